// Fails when src/api/schema.d.ts is not what openapi-typescript generates from ../openapi/openapi.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'tessera-gen-'));
const out = join(dir, 'schema.d.ts');
try {
  execFileSync(
    join(root, 'node_modules/.bin/openapi-typescript'),
    ['../openapi/openapi.json', '-o', out, '--default-non-nullable', 'false'],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const fresh = readFileSync(out, 'utf8');
  const committed = readFileSync(join(root, 'src/api/schema.d.ts'), 'utf8');
  if (fresh !== committed) {
    console.error('src/api/schema.d.ts is stale: run `npm run gen` and commit the result.');
    process.exit(1);
  }
  console.log('src/api/schema.d.ts is up to date.');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
