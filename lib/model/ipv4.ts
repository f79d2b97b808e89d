/**
 * IPv4 addresses and CIDR ranges, as the inventory uses them: node IPs, pod and
 * service ranges. Parsing is strict (no leading zeros, no host bits in a range)
 * because a lax parser would let a typo through into a network config.
 */

/** An IPv4 CIDR range: `base` is the network address as an unsigned 32-bit number. */
export interface Ipv4Cidr {
  readonly text: string;
  readonly base: number;
  readonly prefixLength: number;
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** Parses a dotted-quad address; undefined when it is not one. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export type CidrParseResult = { readonly cidr: Ipv4Cidr } | { readonly error: string };

/** Parses `a.b.c.d/len`, rejecting host bits so the range is exactly what it says. */
export function parseIpv4Cidr(text: string): CidrParseResult {
  const slash = text.indexOf('/');
  if (slash < 0) return { error: 'is not a CIDR range (expected a.b.c.d/len)' };
  const base = parseIpv4(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (base === undefined) return { error: `has an invalid address '${text.slice(0, slash)}'` };
  if (!/^(0|[1-9][0-9]?)$/.test(lengthText) || Number(lengthText) > 32) {
    return { error: `has an invalid prefix length '/${lengthText}' (expected 0 to 32)` };
  }
  const prefixLength = Number(lengthText);
  const size = 2 ** (32 - prefixLength);
  if (base % size !== 0) {
    const network = formatIpv4(base - (base % size));
    return { error: `has host bits set; the network address is ${network}/${prefixLength}` };
  }
  return { cidr: { text, base, prefixLength } };
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Number of addresses in the range. */
export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefixLength);
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

export function cidrContains(cidr: Ipv4Cidr, address: number): boolean {
  return address >= cidr.base && address < cidr.base + cidrSize(cidr);
}

/** A range of addresses, first to last inclusive, with what it stands for. */
export interface AddressInterval<T> {
  readonly first: number;
  readonly last: number;
  readonly owner: T;
}

export function cidrInterval<T>(cidr: Ipv4Cidr, owner: T): AddressInterval<T> {
  return { first: cidr.base, last: cidr.base + cidrSize(cidr) - 1, owner };
}

/**
 * Every pair of a `left` and a `right` interval that share an address, by one
 * sweep over the sorted starts: for ranges that mostly do not overlap (a valid
 * mesh) the cost grows with n log n, not with every pair. Pairs come in no
 * particular order.
 */
export function overlappingIntervals<L, R>(left: readonly AddressInterval<L>[], right: readonly AddressInterval<R>[]): [L, R][] {
  type Start = { readonly side: 0 | 1; readonly interval: AddressInterval<L> | AddressInterval<R> };
  const starts: Start[] = [...left.map((interval) => ({ side: 0 as const, interval })), ...right.map((interval) => ({ side: 1 as const, interval }))];
  starts.sort((a, b) => a.interval.first - b.interval.first || a.side - b.side);
  let open: [AddressInterval<L>[], AddressInterval<R>[]] = [[], []];
  const pairs: [L, R][] = [];
  for (const { side, interval } of starts) {
    // Intervals that ended before this one starts meet no later one either.
    open = [open[0].filter((o) => o.last >= interval.first), open[1].filter((o) => o.last >= interval.first)];
    if (side === 0) {
      for (const other of open[1]) pairs.push([(interval as AddressInterval<L>).owner, other.owner]);
      open[0].push(interval as AddressInterval<L>);
    } else {
      for (const other of open[0]) pairs.push([other.owner, (interval as AddressInterval<R>).owner]);
      open[1].push(interval as AddressInterval<R>);
    }
  }
  return pairs;
}
