/**
 * The SES mailbox simulator (ses-spec.md §5): addresses at simulator.amazonses.com never leave the server; the
 * MTA answers them itself with the outcome each address stands for.
 */
export const SIMULATOR_DOMAIN = 'simulator.amazonses.com';

export type SimulatorScenario = 'success' | 'bounce' | 'ooto' | 'complaint' | 'suppressionlist';

const SCENARIOS = new Set<string>(['success', 'bounce', 'ooto', 'complaint', 'suppressionlist']);

/** The scenario of a simulator address (`bounce+label@simulator.amazonses.com` → bounce), else undefined. */
export function simulatorScenario(address: string): SimulatorScenario | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== SIMULATOR_DOMAIN) return undefined;
  const local = address.slice(0, at).toLowerCase().split('+')[0]!;
  return SCENARIOS.has(local) ? (local as SimulatorScenario) : undefined;
}

export function isSimulatorAddress(address: string): boolean {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase() === SIMULATOR_DOMAIN;
}
