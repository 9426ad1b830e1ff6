import { advanceClock, createTestApp, gate, sleep } from './platform'
import {
  BusyError,
  DEFAULT_MAX_ATTEMPTS,
  LeaseLostError,
  PermanentError,
  claim,
  enqueue,
  getRecord,
  markDone,
  markFailed,
  markRejected,
  purgeRecords,
  release,
  renew,
  retryDelay,
  runOnce,
  stuckRecords,
} from '../support/processing'

/** Past the backoff of a unit that failed `attempts` times. */
const pastBackoff = (attempts: number) => advanceClock(retryDelay(attempts) + 1)

// Every call goes through the real @vtex/api MasterData client against the in-process model.

describe('processing ledger (masterdata, real client)', () => {
  it('claims an absent unit once, then reports busy and done', async () => {
    const { ledger } = createTestApp()
    const ctx = ledger() // one delivery: a read-after-write inside it must see the write

    const first = await claim(ctx, 'scope', 'k1')
    expect(first.outcome).toBe('claimed')
    expect(first.record).toMatchObject({ status: 'processing', attempts: 1 })

    expect((await claim(ctx, 'scope', 'k1')).outcome).toBe('busy')
    await markDone(ctx, first.record, { note: 'ok' })
    const after = await claim(ctx, 'scope', 'k1')
    expect(after.outcome).toBe('done')
    expect(after.record).toMatchObject({ status: 'done', attempts: 1, data: { note: 'ok' } })
  })

  it('reads fresh inside one delivery (memoization off)', async () => {
    const { ledger } = createTestApp()
    const ctx = ledger()
    expect(await getRecord(ctx, 's', 'k')).toBeNull()
    const claimed = await claim(ctx, 's', 'k')
    expect(await getRecord(ctx, 's', 'k')).toMatchObject({ status: 'processing', owner: claimed.record.owner })
    await markDone(ctx, claimed.record)
    expect(await getRecord(ctx, 's', 'k')).toMatchObject({ status: 'done' })
  })

  it('lets at least one of many concurrent retries of a failed unit win (no compare-and-set)', async () => {
    const { ledger } = createTestApp()
    const first = await claim(ledger(), 'scope', 'u')
    await markFailed(ledger(), first.record, new Error('boom'))
    pastBackoff(1)

    const retry = await Promise.all([1, 2, 3, 4, 5].map(() => claim(ledger(), 'scope', 'u')))
    const winners = retry.filter((r) => r.outcome === 'claimed')
    // Master Data has no compare-and-set: concurrent retries may all win (documented).
    expect(winners.length).toBeGreaterThanOrEqual(1)
  })

  it('reclaims a stale claim, counting it as an attempt, and caps crashed attempts', async () => {
    const { ledger } = createTestApp()
    const dead = await claim(ledger(), 'scope', 'k', { leaseMs: 1 })
    await sleep(5)

    const next = await claim(ledger(), 'scope', 'k', { leaseMs: 1 })
    expect(next.outcome).toBe('claimed')
    expect(next.record.attempts).toBe(2)
    expect(next.record.owner).not.toBe(dead.record.owner)

    // Every later attempt dies too (the process crashes): the cap still applies.
    for (let attempt = 3; attempt <= DEFAULT_MAX_ATTEMPTS; attempt++) {
      await sleep(5)
      expect(await claim(ledger(), 'scope', 'k', { leaseMs: 1 })).toMatchObject({ outcome: 'claimed', record: { attempts: attempt } })
    }
    await sleep(5)
    const last = await claim(ledger(), 'scope', 'k')
    expect(last.outcome).toBe('exhausted')
    expect(await getRecord(ledger(), 'scope', 'k')).toMatchObject({ status: 'failed', attempts: DEFAULT_MAX_ATTEMPTS })
  })

  it('retries failed units until maxAttempts, then reports them exhausted', async () => {
    const { ledger } = createTestApp()
    for (let attempt = 1; attempt <= DEFAULT_MAX_ATTEMPTS; attempt++) {
      const result = await claim(ledger(), 'scope', 'k')
      expect(result).toMatchObject({ outcome: 'claimed', record: { attempts: attempt } })
      await markFailed(ledger(), result.record, Object.assign(new Error('nope'), { status: 502 }))
      pastBackoff(attempt)
    }
    const last = await claim(ledger(), 'scope', 'k')
    expect(last.outcome).toBe('exhausted')
    expect(last.record).toMatchObject({ status: 'failed', error: { message: 'nope', status: 502 } })
  })

  it('refuses state changes from a delivery that lost its claim', async () => {
    const { ledger } = createTestApp()
    const slow = await claim(ledger(), 'scope', 'k', { leaseMs: 1 })
    await sleep(5)
    const taker = await claim(ledger(), 'scope', 'k')
    expect(taker.outcome).toBe('claimed')
    await markDone(ledger(), taker.record)

    // The slow delivery finishes late: it must not turn `done` into `failed` (or renew).
    await expect(markFailed(ledger(), slow.record, new Error('late'))).rejects.toBeInstanceOf(LeaseLostError)
    await expect(renew(ledger(), slow.record)).rejects.toBeInstanceOf(LeaseLostError)
    expect(await getRecord(ledger(), 'scope', 'k')).toMatchObject({ status: 'done', owner: taker.record.owner })
  })

  it('renews a lease so long work is not taken over', async () => {
    const { ledger } = createTestApp()
    const held = await claim(ledger(), 'scope', 'long', { leaseMs: 30 })
    await sleep(15)
    await renew(ledger(), held.record, 60_000)
    await sleep(30)
    expect((await claim(ledger(), 'scope', 'long')).outcome).toBe('busy')
  })

  it('runOnce records a failure, rethrows it sanitized, and succeeds on the next delivery', async () => {
    const { ledger, logger } = createTestApp()
    const error = Object.assign(new Error('partner down'), {
      response: { status: 502, data: { card: 'secret-card-number' } },
      config: { data: '{"token":"secret-token"}' },
    })

    const failure = await runOnce(ledger(), { scope: 's', key: 'k' }, () => Promise.reject(error)).catch((e: unknown) => e)
    expect(failure).toMatchObject({ message: 'partner down', status: 502 })
    expect(JSON.stringify(failure)).not.toMatch(/secret/)
    expect(failure).not.toHaveProperty('config')
    expect(failure).not.toHaveProperty('response')
    expect(logger.text()).not.toMatch(/secret/)
    expect(await getRecord(ledger(), 's', 'k')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { message: 'partner down', status: 502 },
    })

    pastBackoff(1)
    const ok = await runOnce(ledger(), { scope: 's', key: 'k' }, async () => ({ synced: true }))
    expect(ok.outcome).toBe('processed')
    expect(ok.record).toMatchObject({ status: 'done', attempts: 2, data: { synced: true } })
    expect(ok.record.error).toBeUndefined()
  })

  it('logs exhaustion at error level', async () => {
    const { ledger, logger } = createTestApp()
    for (let i = 0; i < DEFAULT_MAX_ATTEMPTS; i++) {
      await runOnce(ledger(), { scope: 's', key: 'x' }, () => Promise.reject(new Error('no'))).catch(() => undefined)
      pastBackoff(i + 1)
    }
    expect((await runOnce(ledger(), { scope: 's', key: 'x' }, async () => undefined)).outcome).toBe('exhausted')
    expect(logger.messages('error')).toContain('ledger.exhausted')
  })

  it('gives up recording done after bounded retries and says so', async () => {
    const { ledger, platform } = createTestApp()
    let writes = 0
    platform.fault((request) => {
      const done = request.method !== 'GET' && JSON.stringify(request.body ?? '').includes('"done"')
      if (done) writes++
      return done ? 500 : undefined
    })
    const work = jest.fn(async () => undefined)
    const failure = await runOnce(ledger(), { scope: 's', key: 'k' }, work).catch((e: unknown) => e)
    expect(failure).toMatchObject({ status: 500 })
    expect(failure).not.toHaveProperty('config')
    expect(work).toHaveBeenCalledTimes(1)
    expect(writes).toBe(3) // bounded: 3 rounds; the SDK retries a PATCH only when no answer came
    // Still claimed: a redelivery finds it busy until the lease expires, then runs it again.
    expect(await getRecord(ledger(), 's', 'k')).toMatchObject({ status: 'processing' })
  })

  it('keeps keys apart even when they need escaping', async () => {
    const { ledger } = createTestApp()
    const a = await claim(ledger(), 'job:1', 'a/b c')
    const b = await claim(ledger(), 'job_1', 'a/b c')
    await markDone(ledger(), a.record, 'first')
    await markDone(ledger(), b.record, 'second')
    expect((await getRecord(ledger(), 'job:1', 'a/b c'))?.data).toBe('first')
    expect((await getRecord(ledger(), 'job_1', 'a/b c'))?.data).toBe('second')
    expect(await getRecord(ledger(), 'job:1', 'other')).toBeNull()
  })

  it('purges finished records past the retention and keeps the rest', async () => {
    const { ledger } = createTestApp()
    const old = await claim(ledger(), 's', 'old')
    await markDone(ledger(), old.record)
    await claim(ledger(), 's', 'running')
    await sleep(300)
    const recent = await claim(ledger(), 's', 'recent')
    await markDone(ledger(), recent.record)

    expect(await purgeRecords(ledger(), { olderThanMs: 200 })).toBe(1)
    expect(await getRecord(ledger(), 's', 'old')).toBeNull()
    expect(await getRecord(ledger(), 's', 'running')).toMatchObject({ status: 'processing' })
    expect(await getRecord(ledger(), 's', 'recent')).toMatchObject({ status: 'done' })
  })

  it('reads fresh while another delivery\'s older read of the same record is in flight', async () => {
    // The unit failed once. A retry (B) reads it; then a duplicate (A) reads it too, and A's
    // answer ("failed") is held in flight while B claims, works and records done. B's reads
    // must reach the store, not join A's older answer (the SDK's single-flight map is one
    // per process and keyed by URL).
    const { ledger, platform } = createTestApp()
    const first = await claim(ledger(), 's', 'k')
    await markFailed(ledger(), first.record, new Error('boom'))
    pastBackoff(1)

    const aApplied = gate()
    const aReleased = gate()
    const bWriting = gate()
    let bWrote = false
    let aHeld = false
    platform.before(async (request) => {
      if (request.method !== 'GET' && !bWrote && JSON.stringify(request.body ?? '').includes('"processing"')) {
        bWrote = true
        bWriting.open()
        await aApplied.opened // B's claim lands only once A's read was answered (and is held)
      } else if (request.method === 'GET' && aHeld) {
        aReleased.open() // another read of B reached the store: A may go on
      }
    })
    platform.after(async (request) => {
      if (request.method === 'GET' && bWrote && !aHeld) {
        aHeld = true
        aApplied.open()
        // If B's reads never reach the store (they joined A's), A goes on after a while.
        await Promise.race([aReleased.opened, sleep(500)])
      }
    })

    const work = jest.fn(async () => undefined)
    const b = runOnce(ledger(), { scope: 's', key: 'k' }, work)
    await bWriting.opened
    const a = getRecord(ledger(), 's', 'k')
    const [bResult, aRead] = await Promise.all([b, a])
    expect(aRead).toMatchObject({ status: 'failed' }) // A's answer was the older one
    expect(bResult).toMatchObject({ outcome: 'processed', record: { status: 'done', attempts: 2 } })
    expect(work).toHaveBeenCalledTimes(1)
  })

  it('recognizes its own write that landed though every answer was lost (rev), instead of a lost claim', async () => {
    const { ledger, platform } = createTestApp()
    const held = await claim(ledger(), 's', 'k')
    let lost = 0
    platform.loseAnswer((request) => {
      const done = request.method !== 'GET' && JSON.stringify(request.body ?? '').includes('"done"')
      if (done) lost++
      return done
    })
    const record = await markDone(ledger(), held.record, 'ok')
    expect(lost).toBeGreaterThanOrEqual(1)
    expect(record).toMatchObject({ status: 'done', owner: held.record.owner, data: 'ok' })
    expect(await getRecord(ledger(), 's', 'k')).toMatchObject({ status: 'done', rev: record.rev })
  })

  it('claims through a create whose every answer was lost: it landed, and its rev says it is ours', async () => {
    const { ledger, platform } = createTestApp()
    let lostWrites = 0
    let losing = true
    platform.before((request) => {
      if (request.method === 'GET' && lostWrites > 0) losing = false // the read-back: answers flow again
    })
    platform.loseAnswer((request) => {
      const lose = losing && request.method !== 'GET'
      if (lose) lostWrites++
      return lose
    })
    const result = await claim(ledger(), 's', 'k')
    expect(lostWrites).toBeGreaterThanOrEqual(1)
    expect(result).toMatchObject({ outcome: 'claimed', record: { status: 'processing', attempts: 1 } })
    expect(await getRecord(ledger(), 's', 'k')).toMatchObject({ owner: result.record.owner })
  })

  it('refuses a late state change while the taker holds the claim (owner, not only status)', async () => {
    const { ledger } = createTestApp()
    const slow = await claim(ledger(), 'scope', 'k', { leaseMs: 1 })
    await sleep(5)
    const taker = await claim(ledger(), 'scope', 'k')
    expect(taker.outcome).toBe('claimed')

    // Still `processing`, but under the taker's owner token: the slow one must not finish it.
    await expect(markDone(ledger(), slow.record)).rejects.toBeInstanceOf(LeaseLostError)
    expect(await getRecord(ledger(), 'scope', 'k')).toMatchObject({ status: 'processing', owner: taker.record.owner })
  })

  it('backs off: a failed unit is busy until its retry is due, spends no attempt meanwhile, and the delay grows', async () => {
    const { ledger } = createTestApp()
    const first = await claim(ledger(), 's', 'k')
    const failed = await markFailed(ledger(), first.record, new Error('boom'))
    expect(Date.parse(failed.notBefore!) - Date.parse(failed.updatedAt)).toBe(retryDelay(1))

    const early = await claim(ledger(), 's', 'k')
    expect(early).toMatchObject({ outcome: 'busy', record: { status: 'failed', attempts: 1 } })

    pastBackoff(1)
    const second = await claim(ledger(), 's', 'k')
    expect(second).toMatchObject({ outcome: 'claimed', record: { attempts: 2 } })
    const again = await markFailed(ledger(), second.record, new Error('boom'))
    expect(Date.parse(again.notBefore!) - Date.parse(again.updatedAt)).toBe(retryDelay(2))
    expect(retryDelay(2)).toBe(2 * retryDelay(1))
  })

  it('answers a partner\'s 4xx with a 5xx (redelivered) and keeps the real status in the record', async () => {
    const { ledger } = createTestApp()
    for (const status of [429, 401, 404]) {
      const key = `k${status}`
      const error = Object.assign(new Error(`partner said ${status}`), { response: { status } })
      const failure = await runOnce(ledger(), { scope: 's', key }, () => Promise.reject(error)).catch((e: unknown) => e)
      expect(failure).toMatchObject({ status: 500, message: `partner said ${status}` })
      expect(await getRecord(ledger(), 's', key)).toMatchObject({ status: 'failed', error: { status } })
    }
    expect(new LeaseLostError('s', 'k').status).toBeGreaterThanOrEqual(500)
  })

  it('records a PermanentError as rejected, resolves, and never runs the unit again', async () => {
    const { ledger, logger } = createTestApp()
    const work = jest.fn(async () => {
      throw new PermanentError('no such item', 404)
    })
    const result = await runOnce(ledger(), { scope: 's', key: 'k' }, work)
    expect(result).toMatchObject({ outcome: 'rejected', record: { status: 'rejected', error: { message: 'no such item', status: 404 } } })
    expect(logger.messages('warn')).toContain('ledger.rejected')
    advanceClock(retryDelay(DEFAULT_MAX_ATTEMPTS) + 1)
    expect((await runOnce(ledger(), { scope: 's', key: 'k' }, work)).outcome).toBe('rejected')
    expect(work).toHaveBeenCalledTimes(1)
  })

  it('caps a unit that is released back to queued again and again (a re-queued job)', async () => {
    const { ledger } = createTestApp()
    await enqueue(ledger(), 'jobs', 'j', { itemIds: ['a'] })
    for (let attempt = 1; attempt <= DEFAULT_MAX_ATTEMPTS; attempt++) {
      const run = await claim(ledger(), 'jobs', 'j')
      expect(run).toMatchObject({ outcome: 'claimed', record: { attempts: attempt } })
      await release(ledger(), run.record)
    }
    expect((await claim(ledger(), 'jobs', 'j')).outcome).toBe('exhausted')
    expect(await getRecord(ledger(), 'jobs', 'j')).toMatchObject({ status: 'failed', attempts: DEFAULT_MAX_ATTEMPTS })
  })

  it('finds stuck units: queued and untouched, or processing past a lease long expired', async () => {
    const { ledger } = createTestApp()
    await enqueue(ledger(), 'jobs', 'idle', {})
    await claim(ledger(), 'jobs', 'dead', { leaseMs: 1 })
    await claim(ledger(), 'jobs', 'alive')
    const done = await claim(ledger(), 'jobs', 'done')
    await markDone(ledger(), done.record)
    await enqueue(ledger(), 'other', 'idle', {})
    expect(await stuckRecords(ledger(), 'jobs', { olderThanMs: 60_000 })).toEqual([])

    advanceClock(61_000)
    await enqueue(ledger(), 'jobs', 'fresh', {})
    const stuck = await stuckRecords(ledger(), 'jobs', { olderThanMs: 60_000 })
    expect(stuck.map((r) => r.key).sort()).toEqual(['dead', 'idle'])
  })

  it('two first claims: the outcome depends on the interleaving, as documented', async () => {
    // B reads "absent" and sends its create, which is held in flight; A claims alone
    // meanwhile (create, read-back, confirm); then B's late create lands over A's record.
    const { ledger, platform } = createTestApp()
    const reached = gate()
    const held = gate()
    let creates = 0
    platform.before(async (request) => {
      const writing = request.method === 'PUT' || request.method === 'PATCH'
      if (writing && JSON.stringify(request.body ?? '').includes('"attempts":1') && ++creates === 1) {
        reached.open()
        await held.opened
      }
    })
    const bClaim = claim(ledger(), 'scope', 'race')
    await reached.opened
    const aClaim = await claim(ledger(), 'scope', 'race')
    held.open()
    const bResult = await bClaim
    // The window the docs describe: both claim. If this starts failing, update the docs.
    expect([aClaim.outcome, bResult.outcome]).toEqual(['claimed', 'claimed'])
  })

  it('two first claims: a create that lands before the first confirmed loses', async () => {
    const { ledger, platform } = createTestApp()
    const reached = gate()
    const held = gate()
    let creates = 0
    let readBacks = 0
    platform.before(async (request) => {
      const writing = request.method === 'PUT' || request.method === 'PATCH'
      if (writing && JSON.stringify(request.body ?? '').includes('"attempts":1') && ++creates === 1) {
        reached.open()
        await held.opened
      }
    })
    // Release B's create as soon as A has created (A's first read-back is under way).
    platform.after((request) => {
      if (request.method === 'GET' && creates === 2 && ++readBacks === 1) held.open()
    })
    const bClaim = claim(ledger(), 'scope', 'race2')
    await reached.opened
    const results = await Promise.all([claim(ledger(), 'scope', 'race2'), bClaim])
    expect(results.filter((r) => r.outcome === 'claimed')).toHaveLength(1)
  })

  it('two first claims whose creates land close together: one wins', async () => {
    const { ledger } = createTestApp()
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all([claim(ledger(), 'scope', `r${round}`), claim(ledger(), 'scope', `r${round}`)])
      expect(results.filter((r) => r.outcome === 'claimed')).toHaveLength(1)
      expect(results.filter((r) => r.outcome === 'busy')).toHaveLength(1)
    }
  })
})

describe('markRejected', () => {
  it('records an unknown unit as rejected but never replaces an existing record', async () => {
    const { ledger } = createTestApp()
    const live = await claim(ledger(), 'jobs', 'j1')
    expect(await markRejected(ledger(), 'jobs', 'j1', 'bad payload')).toMatchObject({ status: 'processing' })
    expect(await getRecord(ledger(), 'jobs', 'j1')).toMatchObject({ status: 'processing', owner: live.record.owner })
    expect(await markRejected(ledger(), 'jobs', 'j2', 'bad payload')).toMatchObject({ status: 'rejected' })
  })
})

describe('enqueue', () => {
  it('of two producers that race on one key with different data, both get the record that stands', async () => {
    const { ledger } = createTestApp()
    for (let round = 0; round < 10; round++) {
      const [a, b] = await Promise.all([
        enqueue(ledger(), 'jobs', `j${round}`, { itemIds: ['a'] }),
        enqueue(ledger(), 'jobs', `j${round}`, { itemIds: ['b'] }),
      ])
      const stored = await getRecord(ledger(), 'jobs', `j${round}`)
      expect(a.data).toEqual(stored?.data)
      expect(b.data).toEqual(stored?.data)
    }
  })

  it('records a claimable queued unit and never overwrites an existing one', async () => {
    const { ledger } = createTestApp()
    expect(await enqueue(ledger(), 'jobs', 'j1', { itemIds: ['a'] })).toMatchObject({ status: 'queued', attempts: 0 })

    const claimed = await claim<{ itemIds: string[] }>(ledger(), 'jobs', 'j1')
    expect(claimed).toMatchObject({ outcome: 'claimed', record: { attempts: 1, data: { itemIds: ['a'] } } })

    await enqueue(ledger(), 'jobs', 'j1', { itemIds: ['b'] })
    expect(await getRecord(ledger(), 'jobs', 'j1')).toMatchObject({ status: 'processing', data: { itemIds: ['a'] } })
  })
})

describe('BusyError', () => {
  it('asks for redelivery (503) at warn level', () => {
    expect(new BusyError('s', 'k')).toMatchObject({ status: 503, level: 'warn' })
  })
})
