/**
 * dynalite in a child process of its own, so the benchmarks' DynamoDB does not share their event
 * loop: a busy bench process would otherwise slow every DynamoDB call it measures.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { type LocalDynamo, localDynamoClients } from '../../local/dynamo';

const dynalite = createRequire(import.meta.url).resolve('dynalite');
/** Listens on a free loopback port and prints it (dynalite's own CLI cannot take port 0). */
const SERVER = `
const server = require(process.argv[1])({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
`;

export const startDynaliteProcess = async (): Promise<LocalDynamo & { pid: number }> => {
  const child = spawn(process.execPath, ['-e', SERVER, dynalite], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code} before listening`)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const { client, doc } = localDynamoClients(endpoint);
  return {
    endpoint,
    client,
    doc,
    pid: child.pid ?? 0,
    close: async () => {
      client.destroy();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
};
