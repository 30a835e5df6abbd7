import { describe, expect, it } from 'vitest';
import { sesModel } from '../../src/adapters/aws/model/ses.generated.ts';
import { sesv2Model } from '../../src/adapters/aws/model/sesv2.generated.ts';
import { snsModel } from '../../src/adapters/aws/model/sns.generated.ts';
import type { ServiceModel } from '../../src/adapters/aws/model/types.ts';

/** Every shape name a model refers to: operation inputs and outputs, members, list members, map keys and values. */
function references(model: ServiceModel): [string, string][] {
  const refs: [string, string][] = [];
  for (const [name, op] of Object.entries(model.operations)) {
    if (op.input) refs.push([`${name} input`, op.input]);
    if (op.output) refs.push([`${name} output`, op.output]);
    for (const a of op.alternates ?? []) if (a.input) refs.push([`${name} alternate input`, a.input]);
  }
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (shape.type === 'structure')
      for (const [member, m] of Object.entries(shape.members)) refs.push([`${name}.${member}`, m.shape]);
    if (shape.type === 'list') refs.push([`${name} member`, shape.member]);
    if (shape.type === 'map') refs.push([`${name} key`, shape.key], [`${name} value`, shape.value]);
  }
  return refs;
}

describe('the generated service models', () => {
  it.each([sesv2Model, sesModel, snsModel].map((m) => [m.serviceId, m] as const))(
    '%s: every shape a member refers to exists (the codecs look each one up)',
    (_id, model) => {
      expect(references(model).filter(([, shape]) => !model.shapes[shape])).toEqual([]);
    },
  );
});
