/**
 * Where React writes a streamed page (one with data still to come; a page that is ready at once is rendered to a
 * string, ./whole-render.server.ts): straight into the response's web stream, a flush at a time. React's Node renderer
 * encodes the page into pieces of 2 KB and writes each to its destination, then calls the destination's `flush()`
 * once the pieces of one pass are written. Through a `PassThrough` and `createReadableStreamFromReadable`, as the
 * Remix template does it, every piece was a stream write, a `data` event, a web-stream chunk and a pending read of
 * its own: 45 of them for a chat page of 90 KB, a tenth of its render time. Here the pieces of one pass are
 * kept and handed on as one chunk at `flush()`, so a page rendered in one pass is one chunk, and a streamed page
 * (deferred data) still sends each part as soon as React has it. See docs/decisions/016-render-speed.md.
 */
import { Writable } from 'node:stream'

export class RenderStream extends Writable {
	/** What the response sends. */
	readonly readable: ReadableStream<Uint8Array>
	private controller: ReadableStreamDefaultController<Uint8Array> | null = null
	private pieces: Uint8Array[] = []
	private finished = false

	constructor() {
		super()
		this.readable = new ReadableStream<Uint8Array>({
			start: controller => {
				this.controller = controller
			},
			// The client went away: React hears `close` and stops rendering.
			cancel: () => {
				this.finished = true
				this.pieces = []
				this.emit('close')
			},
		})
	}

	/** React never waits on this destination: the pieces are kept until its next `flush()`. */
	override write(chunk: unknown): boolean {
		if (!this.finished) this.pieces.push(toBytes(chunk))
		return true
	}

	/** Called by React after each pass: the pieces written since go out as one chunk. */
	flush(): void {
		if (this.finished || this.pieces.length === 0) return
		const chunk = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces)
		this.pieces = []
		if (chunk) this.controller?.enqueue(chunk)
	}

	override end(): this {
		if (this.finished) return this
		this.flush()
		this.finished = true
		this.controller?.close()
		return this
	}

	override destroy(error?: Error): this {
		if (this.finished) return this
		this.finished = true
		this.pieces = []
		if (error) this.controller?.error(error)
		else this.controller?.close()
		return this
	}
}

function toBytes(chunk: unknown): Uint8Array {
	if (chunk instanceof Uint8Array) return chunk
	return Buffer.from(String(chunk))
}
