/** `npm run openapi`: regenerates docs/openapi.json; a unit test fails when the committed file is stale. */
import { writeFileSync } from 'node:fs';
import { fromRoot } from '../../infra/paths';
import { currentOpenApiDocument } from './openapi';

writeFileSync(fromRoot('docs/openapi.json'), `${JSON.stringify(await currentOpenApiDocument(), null, 2)}\n`);
console.log('wrote docs/openapi.json');
