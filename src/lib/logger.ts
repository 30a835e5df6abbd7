/** The process logger (pino). Secrets are never passed to it; the redact list is a second line of defence. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: null,
      redact: {
        paths: [
          'secret',
          'secretAccessKey',
          'password',
          'smtpPassword',
          '*.secret',
          '*.secretAccessKey',
          '*.password',
          'privateKey',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? process.stdout,
  );
}
