import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Starts a test HTTP server on a free loopback port and returns the port. */
export async function listenLocal(server: Server): Promise<number> {
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
	return (server.address() as AddressInfo).port
}
