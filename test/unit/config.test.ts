import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, SettingError } from '../../src/config/load.ts';
import { renderConfigDocs } from '../../src/config/docs.ts';

describe('configuration', () => {
  it('has defaults for everything', () => {
    const c = loadConfig({ env: {} });
    expect(c.dataDir).toBe('./data');
    expect(c.databaseUrl).toBe('sqlite:./data/sesame.db');
    expect(c.httpHost).toBe('127.0.0.1');
    expect(c.httpPort).toBe(8787);
    expect(c.region).toBe('us-east-1');
    expect(c.publicUrl).toBe('http://127.0.0.1:8787');
    expect(c.dnsServers).toEqual([]);
  });

  it('reads SESAME_* variables and derives dependent defaults from them', () => {
    const c = loadConfig({
      env: {
        SESAME_DATA_DIR: '/srv/s',
        SESAME_HTTP_PORT: '9000',
        SESAME_DNS_SERVERS: '127.0.0.1:5353, 10.0.0.1',
        SESAME_REGION: 'eu-west-1',
      },
    });
    expect(c.databaseUrl).toBe('sqlite:/srv/s/sesame.db');
    expect(c.publicUrl).toBe('http://127.0.0.1:9000');
    expect(c.dnsServers).toEqual(['127.0.0.1:5353', '10.0.0.1']);
    expect(c.region).toBe('eu-west-1');
  });

  it('reads a JSON config file; the environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sesame-config-'));
    const file = join(dir, 'sesame.json');
    writeFileSync(
      file,
      JSON.stringify({ httpPort: 9100, databaseUrl: 'postgres://u@h/db', region: 'eu-central-1' }),
    );
    const c = loadConfig({ env: { SESAME_REGION: 'us-west-2' }, configFile: file });
    expect(c.httpPort).toBe(9100);
    expect(c.databaseUrl).toBe('postgres://u@h/db');
    expect(c.region).toBe('us-west-2');
  });

  it('names the setting when a value is invalid', () => {
    expect(() => loadConfig({ env: { SESAME_HTTP_PORT: 'eighty' } })).toThrow(SettingError);
    expect(() => loadConfig({ env: { SESAME_HTTP_PORT: 'eighty' } })).toThrow(
      /SESAME_HTTP_PORT \(httpPort\).*"eighty" must be an integer/,
    );
    expect(() => loadConfig({ env: { SESAME_DATABASE_URL: 'mysql://x' } })).toThrow(/SESAME_DATABASE_URL/);
    expect(() => loadConfig({ env: { SESAME_DNS_SERVERS: 'dns.google' } })).toThrow(
      /SESAME_DNS_SERVERS.*not an ip\[:port\]/,
    );
    expect(() => loadConfig({ env: { SESAME_REGION: 'mars' } })).toThrow(/SESAME_REGION/);
    expect(() => loadConfig({ env: { SESAME_MASTER_KEY: 123 as unknown as string } })).toThrow(/\(hidden\)/);
  });

  it('refuses unknown keys in the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sesame-config-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ httpPrt: 1 }));
    expect(() => loadConfig({ env: {}, configFile: file })).toThrow(/Unknown setting "httpPrt"/);
  });

  it('keeps docs/config.md in step with the schema', () => {
    expect(readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8')).toBe(renderConfigDocs());
  });
});
