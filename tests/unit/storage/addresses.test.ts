import { describe, expect, it } from 'vitest'
import { embeddedIPv4, isPublicAddress } from '#server/storage/addresses.ts'
import { hostAllowed } from '#server/storage/fetch-output.ts'

describe('isPublicAddress', () => {
	it('refuses every private, loopback, link-local, reserved and unspecified IPv4 address', () => {
		for (const address of [
			'0.0.0.0',
			'10.0.0.1',
			'10.255.255.255',
			'100.64.0.1',
			'127.0.0.1',
			'127.255.0.9',
			'169.254.169.254',
			'169.254.0.1',
			'172.16.0.1',
			'172.31.255.254',
			'192.0.0.8',
			'192.0.2.1',
			'192.168.1.1',
			'198.18.0.1',
			'224.0.0.1',
			'239.255.255.250',
			'255.255.255.255',
		]) {
			expect({ address, public: isPublicAddress(address) }).toEqual({ address, public: false })
		}
	})

	it('refuses the same in IPv6, including IPv4 wrapped in IPv6', () => {
		for (const address of [
			'::',
			'::1',
			'[::1]',
			'fe80::1',
			'fe80::1%eth0',
			'fc00::1',
			'fd12:3456:789a::1',
			'fec0::1',
			'ff02::1',
			'2001:db8::1',
			'::ffff:127.0.0.1',
			'::ffff:7f00:1',
			'::ffff:169.254.169.254',
			'::ffff:a9fe:a9fe',
			'::ffff:10.0.0.1',
			'0:0:0:0:0:ffff:c0a8:0101',
			'::127.0.0.1',
			'64:ff9b::a9fe:a9fe',
			'64:ff9b::10.1.1.1',
			'2002:7f00:1::1',
			'2002:a9fe:a9fe::',
		]) {
			expect({ address, public: isPublicAddress(address) }).toEqual({ address, public: false })
		}
	})

	it('accepts public unicast addresses', () => {
		for (const address of [
			'8.8.8.8',
			'1.1.1.1',
			'172.32.0.1',
			'100.128.0.1',
			'2606:4700:4700::1111',
			'::ffff:8.8.8.8',
			'64:ff9b::808:808',
		]) {
			expect({ address, public: isPublicAddress(address) }).toEqual({ address, public: true })
		}
	})

	it('refuses what is not an address at all', () => {
		for (const address of ['', 'localhost', '1.2.3', '::gg', '1.2.3.4.5']) expect(isPublicAddress(address)).toBe(false)
	})

	it('finds the IPv4 address inside IPv6 embeddings', () => {
		expect(embeddedIPv4('::ffff:7f00:1')).toBe('127.0.0.1')
		expect(embeddedIPv4('::ffff:192.168.0.1')).toBe('192.168.0.1')
		expect(embeddedIPv4('64:ff9b::a9fe:a9fe')).toBe('169.254.169.254')
		expect(embeddedIPv4('2002:0a00:0001::')).toBe('10.0.0.1')
		expect(embeddedIPv4('2606:4700::1')).toBeNull()
	})
})

describe('hostAllowed', () => {
	const list = ['replicate.delivery', '*.replicate.delivery', '*.openai.com']
	it('matches exact names and subdomains of wildcard entries only', () => {
		expect(hostAllowed('replicate.delivery', list)).toBe(true)
		expect(hostAllowed('pbxt.replicate.delivery', list)).toBe(true)
		expect(hostAllowed('a.b.replicate.delivery', list)).toBe(true)
		expect(hostAllowed('REPLICATE.DELIVERY.', list)).toBe(true)
		expect(hostAllowed('cdn.openai.com', list)).toBe(true)
		expect(hostAllowed('openai.com', list)).toBe(false)
		expect(hostAllowed('evilreplicate.delivery', list)).toBe(false)
		expect(hostAllowed('replicate.delivery.evil.com', list)).toBe(false)
		expect(hostAllowed('xopenai.com', list)).toBe(false)
	})
})
