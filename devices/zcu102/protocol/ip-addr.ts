/**
 * Reads `ip -4 addr show DEV` (iproute2 and BusyBox print the same `inet A.B.C.D/NN` lines).
 * Example: `    inet 192.168.1.10/24 brd 192.168.1.255 scope global dynamic eth0`.
 */

export interface Ipv4Address {
  address: string;
  prefixLength: number;
}

const INET = /^\s*inet (\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})\b/;

export function parseIpv4Addresses(output: string): Ipv4Address[] {
  const found: Ipv4Address[] = [];
  for (const line of output.split(/\r?\n/)) {
    const match = INET.exec(line);
    if (match === null) continue;
    const address = match[1] ?? '';
    const octetsValid = address.split('.').every((octet) => Number(octet) <= 255);
    const prefixLength = Number(match[2]);
    if (octetsValid && prefixLength <= 32) found.push({ address, prefixLength });
  }
  return found;
}

/** Whether the interface is missing or down, from the same output (for the error hint). */
export function describeInterfaceProblem(output: string, device: string): string {
  if (/does not exist|Cannot find device/i.test(output)) return `The board has no interface ${device}.`;
  if (/state DOWN|NO-CARRIER/.test(output)) return `${device} has no link: is the Ethernet cable plugged in?`;
  return `${device} has no IPv4 address: is a DHCP server on the board's network, or is a static address set?`;
}
