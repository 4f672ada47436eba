/**
 * Which IP addresses a server-side fetch may reach: only public unicast ones. Everything a request forger would
 * aim at is refused — loopback, private networks, link-local (169.254.169.254, the cloud metadata service),
 * carrier-grade NAT, unique-local and site-local IPv6, multicast, documentation and unspecified ranges — in IPv4
 * and IPv6, including IPv4 addresses wrapped in IPv6 (mapped, compatible, NAT64, 6to4).
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net'
import ipaddr from 'ipaddr.js'

const blocked = new BlockList()
for (const [net, prefix] of [
	['0.0.0.0', 8], // "this network", incl. the unspecified 0.0.0.0
	['10.0.0.0', 8],
	['100.64.0.0', 10], // carrier-grade NAT
	['127.0.0.0', 8],
	['169.254.0.0', 16], // link-local, cloud metadata
	['172.16.0.0', 12],
	['192.0.0.0', 24], // IETF protocol assignments
	['192.0.2.0', 24], // documentation
	['192.88.99.0', 24], // 6to4 relay anycast
	['192.168.0.0', 16],
	['198.18.0.0', 15], // benchmarking
	['198.51.100.0', 24],
	['203.0.113.0', 24],
	['224.0.0.0', 4], // multicast
	['240.0.0.0', 4], // reserved, incl. broadcast
] as const) {
	blocked.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
	['::', 128], // unspecified
	['::1', 128], // loopback
	['::', 96], // IPv4-compatible (deprecated)
	['100::', 64], // discard-only
	['2001:db8::', 32], // documentation
	['fc00::', 7], // unique-local
	['fe80::', 10], // link-local
	['fec0::', 10], // site-local (deprecated)
	['ff00::', 8], // multicast
] as const) {
	blocked.addSubnet(net, prefix, 'ipv6')
}

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail counts as two), or null if it is not one. */
function groups(address: string): number[] | null {
	const text = address.replace(/%.*$/, '')
	return ipaddr.IPv6.isValid(text) ? ipaddr.IPv6.parse(text).parts : null
}

function v4(high: number, low: number): string {
	return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`
}

/** The IPv4 address an IPv6 address carries, for the embeddings that reach IPv4 hosts. */
export function embeddedIPv4(address: string): string | null {
	const g = groups(address)
	if (!g) return null
	const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g
	if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0xffff || g5 === 0)) return v4(g6, g7)
	// NAT64 well-known prefix 64:ff9b::/96
	if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4(g6, g7)
	// 6to4: 2002:AABB:CCDD::/48
	if (g0 === 0x2002) return v4(g1, g2)
	return null
}

/** True only for a public unicast address; anything unparsable is not public. */
export function isPublicAddress(address: string): boolean {
	const bare = address.replace(/^\[|\]$/g, '')
	if (isIPv4(bare)) return !blocked.check(bare, 'ipv4')
	if (!isIPv6(bare)) return false
	const inner = embeddedIPv4(bare)
	if (inner !== null && blocked.check(inner, 'ipv4')) return false
	if (inner !== null && groups(bare)?.[5] === 0xffff) return true
	return !blocked.check(bare.replace(/%.*$/, ''), 'ipv6')
}
