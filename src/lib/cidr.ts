/** IP addresses and CIDR blocks: SES's spelling of a receipt filter's range, and whether an address is in one. */
import { BlockList, isIP } from 'node:net';

/** A single IPv4 or IPv6 address, or a CIDR block with a mask in range (no IPv4-mapped form, no zone, no []). */
export function validCidr(cidr: string): boolean {
  const slash = cidr.indexOf('/');
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  const mask = slash < 0 ? undefined : cidr.slice(slash + 1);
  if (mask !== undefined && !/^\d{1,3}$/.test(mask)) return false;
  const family = /[%[\]]/.test(address) ? 0 : isIP(address);
  if (family === 4)
    return /^(\d{1,3}\.){3}\d{1,3}$/.test(address) && (mask === undefined || Number(mask) <= 32);
  if (family === 6) return !address.includes('.') && (mask === undefined || Number(mask) <= 128);
  return false;
}

/** Whether `ip` (an IPv4-mapped IPv6 address counts as its IPv4 address) is in a valid `cidr`. */
export function cidrContains(cidr: string, ip: string): boolean {
  const address = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const family = isIP(address);
  if (family === 0) return false;
  const [net = '', bits] = cidr.split('/');
  const netFamily = isIP(net);
  if (netFamily !== family) return false;
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) list.addAddress(net, type);
  else list.addSubnet(net, Number(bits), type);
  return list.check(address, type);
}
