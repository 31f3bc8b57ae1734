// The API benchmark's load generator, in a process of its own so that neither the benchmark's own heap
// nor its garbage collection delays the requests it times. Prints the autocannon summary as JSON.
import autocannon from 'autocannon';

const [url, seconds, ...paths] = process.argv.slice(2);
if (!url || !seconds || paths.length === 0) throw new Error('usage: load-child.ts URL SECONDS PATH…');
// BENCH_AUTHORIZATION, when set, is sent as the Authorization header of every request.
const headers: Record<string, string> = process.env.BENCH_AUTHORIZATION ? { authorization: process.env.BENCH_AUTHORIZATION } : {};
const result = await autocannon({ url, connections: 64, duration: Number(seconds), headers, requests: paths.map((path) => ({ method: 'GET', path, headers })) });
process.stdout.write(JSON.stringify({ rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors }));
