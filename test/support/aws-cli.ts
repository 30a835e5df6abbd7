/**
 * Debian's own AWS clients as a user runs them against Sesame: `/usr/bin/aws` (AWS CLI 2.9 on botocore 1.29)
 * and boto3 under `/usr/bin/python3`. Their environment is built here (no profile, no config from $HOME), so a
 * test never depends on the state of the machine.
 */
import { execFile } from 'node:child_process';
import type { TestAccount, TestSesame } from './sesame.ts';

function env(sesame: TestSesame, account: Pick<TestAccount, 'accessKeyId' | 'secretAccessKey'>) {
  return {
    PATH: '/usr/bin:/bin',
    HOME: sesame.dataDir,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_ACCESS_KEY_ID: account.accessKeyId,
    AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
    AWS_DEFAULT_REGION: sesame.config.region,
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `/usr/bin/aws <args> --endpoint-url <sesame> --output json`; resolves whatever the exit code. */
export function awsCli(
  sesame: TestSesame,
  account: Pick<TestAccount, 'accessKeyId' | 'secretAccessKey'>,
): (...args: string[]) => Promise<CliResult> {
  return (...args) =>
    new Promise((resolve) =>
      execFile(
        '/usr/bin/aws',
        [...args, '--endpoint-url', sesame.url, '--output', 'json'],
        { env: env(sesame, account), timeout: 30_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
}

/** Runs a Python script with Debian's boto3; `endpoint` is `sys.argv[1]`. Resolves stdout, rejects on failure. */
export function boto3(
  sesame: TestSesame,
  account: Pick<TestAccount, 'accessKeyId' | 'secretAccessKey'>,
  script: string,
): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      '/usr/bin/python3',
      ['-c', script, sesame.url],
      { env: env(sesame, account), timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
}
