/**
 * A model of the VTEX services the app calls (VBase, Master Data and the Events courier),
 * as plain TypeScript with no dependency but Node's own modules: each request in, one answer
 * out. Adapters put it on the wire: `platform.ts` answers the SDK's requests inside jest
 * (nock); an HTTP adapter can serve the very same model to an app running on its own.
 */
import { randomUUID } from 'crypto'

export interface ModelRequest {
  service: 'vbase' | 'masterdata' | 'events'
  method: string
  /** Path without the query string, e.g. `/vbase/v2/acct/ws/buckets/app/b/files/x.json`. */
  path: string
  query: URLSearchParams
  headers: Record<string, string>
  body: unknown
}

export type Reply = [number, unknown?, Record<string, string>?]

/** Runs before a request is applied (the request is in flight) or after it was applied
 * (the response is in flight): return a promise to hold it there. */
export type Hook = (request: ModelRequest) => void | Promise<void>

const bodyText = (body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body ?? null))

/** VBase: files by bucket + path, an etag per version, If-Match -> 412, 404 when missing. */
export class VBaseModel {
  public readonly files = new Map<string, { etag: string; body: string }>()
  private version = 0

  public handle({ method, path, query, headers, body }: ModelRequest): Reply {
    const match = /^\/vbase\/v2\/[^/]+\/[^/]+\/buckets\/([^/]+)\/([^/]+)\/files(?:\/(.+))?$/.exec(path)
    if (!match) return [404, { message: `no VBase route ${method} ${path}` }]
    const [, app, bucket, file] = match
    const prefix = `${app}/${bucket}/`
    if (!file) {
      if (method !== 'GET') return [405]
      const wanted = query.get('prefix') ?? ''
      const names = [...this.files.keys()]
        .filter((id) => id.startsWith(prefix + wanted))
        .map((id) => id.slice(prefix.length))
        .sort()
      const start = Number(query.get('next') ?? 0)
      const limit = Number(query.get('limit') ?? 1000)
      const page = names.slice(start, start + limit)
      const next = start + limit < names.length ? String(start + limit) : ''
      return [200, { data: page.map((name) => ({ path: name, hash: this.files.get(prefix + name)!.etag })), next }]
    }
    const id = prefix + decodeURIComponent(file)
    const stored = this.files.get(id)
    const ifMatch = headers['if-match']
    switch (method) {
      case 'GET':
        if (!stored) return [404, { code: 'FileNotFound', message: 'The requested file was not found' }]
        return [200, stored.body, { etag: stored.etag, 'content-type': 'application/json' }]
      case 'PUT': {
        if (ifMatch !== undefined && stored?.etag !== ifMatch) {
          return [412, { code: 'PreconditionFailed', message: 'etag mismatch' }]
        }
        const etag = `"${++this.version}"`
        this.files.set(id, { etag, body: bodyText(body) })
        return [200, [{ path: file, hash: etag }]]
      }
      case 'DELETE':
        if (!stored) return [404, { code: 'FileNotFound' }]
        if (ifMatch !== undefined && stored.etag !== ifMatch) return [412, { code: 'PreconditionFailed' }]
        this.files.delete(id)
        return [204]
      default:
        return [405]
    }
  }

  /** The stored JSON files, parsed. */
  public values(): unknown[] {
    return [...this.files.values()].map(({ body }) => JSON.parse(body) as unknown)
  }
}

type Document = Record<string, unknown>

/** Master Data (v1 documents API): documents by id, PUT/PATCH/POST/DELETE, search by field. */
export class MasterDataModel {
  public readonly documents = new Map<string, Document>()

  public handle({ method, path, query, headers, body }: ModelRequest): Reply {
    const match = /^\/api\/dataentities\/([^/]+)\/(documents|search)(?:\/([^/]+))?$/.exec(path)
    if (!match) return [404, { Message: `no Master Data route ${method} ${path}` }]
    const [, entity, kind, id] = match
    const fields = (query.get('_fields') ?? '').split(',').filter(Boolean)
    const fieldsIn = (body ?? {}) as Document

    if (kind === 'search') {
      if (method !== 'GET') return [405]
      const clauses = (query.get('_where') ?? '')
        .split(/\s+AND\s+/i)
        .filter(Boolean)
        .map((clause) => {
          const [field, raw] = clause.split('=')
          return [field.trim(), raw.trim().replace(/^"(.*)"$/, '$1')] as const
        })
      const [, from, to] = /resources=(\d+)-(\d+)/.exec(headers['rest-range'] ?? '') ?? [, '0', '100']
      const found = [...this.documents.entries()]
        .filter(([docKey]) => docKey.startsWith(`${entity}/`))
        .map(([, doc]) => doc)
        .filter((doc) => clauses.every(([field, value]) => String(doc[field]) === value))
      const page = found.slice(Number(from), Number(to)).map((doc) => pick(doc, fields))
      return [200, page, { 'rest-content-range': `resources ${from}-${to}/${found.length}` }]
    }

    const docId = id ?? (typeof fieldsIn.id === 'string' ? fieldsIn.id : undefined)
    const key = `${entity}/${docId}`
    const stored = this.documents.get(key)
    const created = (newId: string) => [200, { Id: `${entity}-${newId}`, Href: `/${entity}/${newId}`, DocumentId: newId }]
    switch (method) {
      case 'GET':
        if (!docId || !stored) return [404, { Message: 'Document not found' }]
        return [200, pick(stored, fields)]
      case 'PATCH':
        if (!docId) return [400, { Message: 'id required' }]
        if (id && !stored) return [404, { Message: 'Document not found' }]
        this.documents.set(key, { ...stored, ...fieldsIn, id: docId })
        return created(docId) as Reply
      case 'PUT':
        if (!docId) return [400, { Message: 'id required' }]
        this.documents.set(key, { ...fieldsIn, id: docId })
        return created(docId) as Reply
      case 'POST': {
        const newId = docId ?? randomUUID()
        this.documents.set(`${entity}/${newId}`, { ...fieldsIn, id: newId })
        return [201, { Id: `${entity}-${newId}`, Href: `/${entity}/${newId}`, DocumentId: newId }]
      }
      case 'DELETE':
        if (!stored) return [404, { Message: 'Document not found' }]
        this.documents.delete(key)
        return [204]
      default:
        return [405]
    }
  }
}

const pick = (doc: Document, fields: string[]) =>
  fields.length === 0 || fields.includes('_all')
    ? { ...doc }
    : Object.fromEntries(fields.filter((f) => f in doc).map((f) => [f, doc[f]]))

/** Events (courier): accepts every event and records it. */
export class EventsModel {
  public readonly sent: Array<{ route: string; resource: string; message: unknown }> = []
  public failWith?: number

  public handle({ method, path, query, body }: ModelRequest): Reply {
    const match = /^\/courier\/v0\/[^/]+\/[^/]+\/events\/(.+)$/.exec(path)
    if (!match || method !== 'PUT') return [404, { message: `no Events route ${method} ${path}` }]
    if (this.failWith) return [this.failWith, { message: 'colossus unavailable' }]
    this.sent.push({ route: decodeURIComponent(match[1]), resource: query.get('resource') ?? '', message: body })
    return [204]
  }
}

export class PlatformModel {
  public readonly vbase = new VBaseModel()
  public readonly masterdata = new MasterDataModel()
  public readonly events = new EventsModel()
  public readonly requests: ModelRequest[] = []
  private readonly beforeHooks: Hook[] = []
  private readonly afterHooks: Hook[] = []
  private readonly faults: Array<(request: ModelRequest) => number | undefined> = []
  private readonly losses: Array<(request: ModelRequest) => boolean> = []

  /** Hold or observe requests before they are applied. */
  public before(hook: Hook) {
    this.beforeHooks.push(hook)
  }

  /** Hold or observe requests after they were applied, before the client sees the answer. */
  public after(hook: Hook) {
    this.afterHooks.push(hook)
  }

  /** Answer matching requests with this error status instead of applying them. */
  public fault(status: (request: ModelRequest) => number | undefined) {
    this.faults.push(status)
  }

  /** Apply matching requests, then lose their answer: the router in front of the service
   * gave up waiting and answers 504, though the request landed (the SDK retries a PUT on a
   * 5xx, not a PATCH). */
  public loseAnswer(match: (request: ModelRequest) => boolean) {
    this.losses.push(match)
  }

  public async answer(request: ModelRequest): Promise<Reply> {
    for (const hook of this.beforeHooks) await hook(request)
    this.requests.push(request)
    for (const fault of this.faults) {
      const status = fault(request)
      if (status !== undefined) return [status, { message: 'injected fault' }]
    }
    const reply = this[request.service].handle(request)
    for (const hook of this.afterHooks) await hook(request)
    return this.losses.some((lost) => lost(request)) ? [504, { message: 'upstream timed out' }] : reply
  }

  /** Everything stored, as text (to check what reached the stores). */
  public storedText(): string {
    return JSON.stringify([...this.vbase.values(), ...this.masterdata.documents.values()])
  }
}
