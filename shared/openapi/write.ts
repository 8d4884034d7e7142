/** `npm run openapi`: regenerates docs/openapi.json from the route table and the request schemas. */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from './document';

const target = new URL('../../docs/openapi.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(await openApiDocument(), null, 2)}\n`);
console.log('wrote docs/openapi.json');
