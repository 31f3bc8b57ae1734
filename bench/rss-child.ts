// Pushes then pulls one large file in a fresh process and prints the peak resident set size.
import { join } from 'node:path';
import { EmbeddedBlobTransport, pullVersion } from '../src/registry/index.ts';
import { openHome, pushDir } from './push-pull.ts';

const [dir, model] = process.argv.slice(2) as [string, string];
const app = await openHome(join(dir, 'home'));
const transport = new EmbeddedBlobTransport(app.blobs);
const api = app.registry('bench');
await pushDir(api, transport, model);
const afterPush = process.resourceUsage().maxRSS;
const version = await api.getVersion('bench-model@1.0.0');
await pullVersion({ transport, version, dir: join(dir, 'pulled') });
await app.close();
process.stdout.write(JSON.stringify({ afterPushKiB: afterPush, peakKiB: process.resourceUsage().maxRSS }));
