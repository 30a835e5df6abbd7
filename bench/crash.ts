/**
 * kill -9 experiment (issue: sending pipeline): N messages sent over the SES v2 API, the server killed with
 * SIGKILL while sends are in flight, restarted; prints how many accepted messages never reached the sink.
 * Run: node bench/crash.ts [messages=1000] [concurrency=32] [killAfter=messages/2] [api|smtp]
 * SESAME_TEST_DATABASE_URL=postgres://… selects PostgreSQL.
 */
import { crashExperiment } from '../test/support/crash-harness.ts';

const messages = Number(process.argv[2] ?? 1000);
const concurrency = Number(process.argv[3] ?? 32);
const killAfter = Number(process.argv[4] ?? Math.floor(messages / 2));
const via = process.argv[5] === 'smtp' ? 'smtp' : 'api';
const result = await crashExperiment({
  messages,
  concurrency,
  killAfter,
  via,
  log: (s) => console.log(`- ${s}`),
});
console.log(JSON.stringify(result, null, 2));
process.exit(result.lost === 0 ? 0 : 1);
