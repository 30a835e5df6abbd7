import { describe, expect, it } from 'vitest';
import { smtpPasswordMatches, smtpPasswordV4 } from '../../src/core/accounts/smtp-password.ts';

// Vectors from ses-spec.md §3.2 (AWS's published algorithm, secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY).
const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('SES SMTP password (version 4)', () => {
  it('matches the published vectors', () => {
    expect(smtpPasswordV4(secret, 'us-east-1')).toBe('BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9');
    expect(smtpPasswordV4(secret, 'eu-west-1')).toBe('BMW5RDrXmmVs0lV7GpI4oLkHXpZ4stDsk6q91z1g38Pk');
  });

  it('is region-scoped', () => {
    expect(smtpPasswordMatches('BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9', secret, 'us-east-1')).toBe(
      true,
    );
    expect(smtpPasswordMatches('BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9', secret, 'eu-west-1')).toBe(
      false,
    );
    expect(smtpPasswordMatches('wrong', secret, 'us-east-1')).toBe(false);
  });
});
