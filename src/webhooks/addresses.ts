import { BlockList, isIP } from 'node:net';
import { ModelVaultError } from '../core/errors.ts';

/** Kinds of network address a webhook URL can lead to; an address policy allows some of them. */
export const ADDRESS_CLASSES = ['loopback', 'private', 'link-local', 'public'] as const;

/** One kind of address: `reserved` (multicast, broadcast, class E) is never allowed. */
export type AddressClass = (typeof ADDRESS_CLASSES)[number] | 'reserved';

/** The address classes a webhook may reach; absent where every address is allowed (monitoring's configured URLs). */
export type AddressPolicy = ReadonlySet<AddressClass>;

function blockList(v4: string[], v6: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of v4) list.addSubnet(cidr.split('/')[0]!, Number(cidr.split('/')[1]), 'ipv4');
  for (const cidr of v6) list.addSubnet(cidr.split('/')[0]!, Number(cidr.split('/')[1]), 'ipv6');
  return list;
}

// IPv4 subnets also match their IPv4-mapped IPv6 forms (::ffff:127.0.0.1), so those cannot slip past.
const CLASSES: [AddressClass, BlockList][] = [
  // 0.0.0.0 and :: reach the local host on Linux.
  ['loopback', blockList(['127.0.0.0/8', '0.0.0.0/8'], ['::1/128', '::/128'])],
  ['link-local', blockList(['169.254.0.0/16'], ['fe80::/10'])],
  ['private', blockList(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], ['fc00::/7'])],
  ['reserved', blockList(['224.0.0.0/4', '240.0.0.0/4'], ['ff00::/8'])],
];

/** The class of an IP address (v4 or v6, without brackets). */
export function addressClass(ip: string): AddressClass {
  const family = isIP(ip);
  if (family === 0) throw new ModelVaultError('invalid_input', `${JSON.stringify(ip)} is not an IP address`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [cls, list] of CLASSES) if (list.check(ip, type)) return cls;
  return 'public';
}

/** The host of a URL as an IP address when it is one (brackets of IPv6 removed), else undefined. */
export function literalAddress(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) === 0 ? undefined : host;
}

/** Parses a list of address class names, as in `allow_addresses: [loopback, private]`. */
export function parseAddressPolicy(value: unknown, fail: (message: string) => never): AddressPolicy {
  const names: readonly string[] = ADDRESS_CLASSES;
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string' && names.includes(v))) {
    fail(`must be a list of address classes (${ADDRESS_CLASSES.join(', ')})`);
  }
  return new Set(value as AddressClass[]);
}

/** Why `ip` may not be reached under `policy`, or undefined when it may. */
export function addressRefusal(ip: string, policy: AddressPolicy, host: string): string | undefined {
  const cls = addressClass(ip);
  if (policy.has(cls)) return undefined;
  const where = host === ip ? `address ${ip}` : `${host} (${ip})`;
  return cls === 'reserved' ? `${where} is a multicast or reserved address` : `${where} is a ${cls} address; allowed: ${[...policy].join(', ') || 'none'}`;
}
