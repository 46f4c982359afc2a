// The Host header check, the defence against DNS rebinding: a web page on attacker.example can
// point its own name at 127.0.0.1 and then read a keyless local server through the visitor's
// browser, but its requests still carry "Host: attacker.example". So the server answers only
// requests addressed to it by the address they arrived on, by a loopback name when they arrived on
// loopback, or by a name it was told (--allowed-hosts); 'any' turns the check off.

/** The host names a server answers to besides its own addresses, or 'any'. */
export type AllowedHosts = readonly string[] | 'any';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

/** An address without IPv6 brackets or the IPv4-mapped prefix, lower case. */
function bare(address: string): string {
  const a = address.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/** The host part of a Host header (no port, no brackets, no trailing dot), or null when malformed. */
export function hostName(header: string): string | null {
  const h = header.trim().toLowerCase();
  const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h) ?? /^([^\s:/@[\]]+?)\.?(?::\d{1,5})?$/.exec(h);
  return m ? bare(m[1]!) : null;
}

const isLoopback = (address: string) => address === '::1' || address.startsWith('127.');

/** Parses --allowed-hosts values (comma-separated names, repeatable; "any" or "*" turns the check off). */
export function parseAllowedHosts(values: readonly string[]): AllowedHosts {
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (names.some((n) => n === 'any' || n === '*')) return 'any';
  return names.map((n) => {
    const h = hostName(n);
    if (h === null) throw new Error(`--allowed-hosts: "${n}" is not a host name`);
    return h;
  });
}

/**
 * Whether a request may be answered: its Host names the address it arrived on (`localAddress`;
 * unknown for in-process requests, which count as loopback), a loopback name when that address is
 * loopback, or one of `allowed`.
 */
export function hostAllowed(header: string | undefined, localAddress: string | undefined, allowed: AllowedHosts): boolean {
  if (allowed === 'any') return true;
  if (header === undefined) return false;
  const host = hostName(header);
  if (host === null) return false;
  const local = localAddress === undefined ? null : bare(localAddress);
  if (local !== null && host === local) return true;
  if ((local === null || isLoopback(local)) && LOOPBACK_NAMES.has(host)) return true;
  return allowed.includes(host);
}
