import type { Readable } from 'stream'

const MAX_BODY_BYTES = 64 * 1024

/** JSON body of a route request, or undefined when it is missing, too big or not JSON.
 * Routes get the raw request stream from the runtime; this avoids a co-body dependency. */
export async function readJsonBody(req: Readable, limit = MAX_BODY_BYTES): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string)
    size += buffer.length
    if (size > limit) return undefined
    chunks.push(buffer)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    return undefined
  }
}
