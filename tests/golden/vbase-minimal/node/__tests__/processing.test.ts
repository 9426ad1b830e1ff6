import {
  DEFAULT_MAX_ATTEMPTS,
  claim,
  enqueue,
  getRecord,
  markDone,
  markFailed,
  runOnce,
} from '../support/processing'
import { createTestApp, sleep } from './fakes'

describe('processing ledger', () => {
  it('claims an absent unit once, then reports busy and done', async () => {
    const { ledger } = createTestApp()

    const first = await claim(ledger, 'scope', 'k1')
    expect(first.outcome).toBe('claimed')
    expect(first.record).toMatchObject({ status: 'processing', attempts: 1 })

    expect((await claim(ledger, 'scope', 'k1')).outcome).toBe('busy')
    await markDone(ledger, 'scope', 'k1', { note: 'ok' })
    const after = await claim(ledger, 'scope', 'k1')
    expect(after.outcome).toBe('done')
    expect(after.record).toMatchObject({ status: 'done', attempts: 1, data: { note: 'ok' } })
  })

  it('lets exactly one of many concurrent claims win, for new and existing records', async () => {
    const { ledger } = createTestApp()
    const fresh = await Promise.all([1, 2, 3, 4, 5].map(() => claim(ledger, 'scope', 'new')))
    expect(fresh.filter((r) => r.outcome === 'claimed')).toHaveLength(1)

    await markFailed(ledger, 'scope', 'new', new Error('boom'))
    const retry = await Promise.all([1, 2, 3, 4, 5].map(() => claim(ledger, 'scope', 'new')))
    expect(retry.filter((r) => r.outcome === 'claimed')).toHaveLength(1)
    expect((await getRecord(ledger, 'scope', 'new'))?.attempts).toBe(2)
  })

  it('reclaims a stale claim whose lease expired', async () => {
    const { ledger } = createTestApp()
    const dead = await claim(ledger, 'scope', 'k', { leaseMs: 1 })
    await sleep(5)

    const next = await claim(ledger, 'scope', 'k')
    expect(next.outcome).toBe('claimed')
    expect(next.record.attempts).toBe(2)
    expect(next.record.owner).not.toBe(dead.record.owner)
  })

  it('retries failed units until maxAttempts, then reports them exhausted', async () => {
    const { ledger } = createTestApp()
    for (let attempt = 1; attempt <= DEFAULT_MAX_ATTEMPTS; attempt++) {
      const result = await claim(ledger, 'scope', 'k')
      expect(result).toMatchObject({ outcome: 'claimed', record: { attempts: attempt } })
      await markFailed(ledger, 'scope', 'k', Object.assign(new Error('nope'), { status: 502 }))
    }
    const last = await claim(ledger, 'scope', 'k')
    expect(last.outcome).toBe('exhausted')
    expect(last.record).toMatchObject({ status: 'failed', error: { message: 'nope', status: 502 } })
  })

  it('runOnce records a failure, rethrows it, and succeeds on the next delivery', async () => {
    const { ledger } = createTestApp()
    const error = new Error('partner down')

    await expect(runOnce(ledger, { scope: 's', key: 'k' }, () => Promise.reject(error))).rejects.toBe(error)
    expect(await getRecord(ledger, 's', 'k')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { message: 'partner down' },
    })

    const ok = await runOnce(ledger, { scope: 's', key: 'k' }, async () => ({ synced: true }))
    expect(ok.outcome).toBe('processed')
    expect(ok.record).toMatchObject({ status: 'done', attempts: 2, data: { synced: true } })
    expect(ok.record.error).toBeUndefined()
  })

  it('keeps keys apart even when they need escaping', async () => {
    const { ledger } = createTestApp()
    await markDone(ledger, 'job:1', 'a/b c', 'first')
    await markDone(ledger, 'job_1', 'a/b c', 'second')
    expect((await getRecord(ledger, 'job:1', 'a/b c'))?.data).toBe('first')
    expect((await getRecord(ledger, 'job_1', 'a/b c'))?.data).toBe('second')
    expect(await getRecord(ledger, 'job:1', 'other')).toBeNull()
  })
})

describe('enqueue', () => {
  it('records a claimable queued unit and never overwrites an existing one', async () => {
    const { ledger } = createTestApp()
    expect(await enqueue(ledger, 'jobs', 'j1', { itemIds: ['a'] })).toMatchObject({ status: 'queued', attempts: 0 })

    const claimed = await claim<{ itemIds: string[] }>(ledger, 'jobs', 'j1')
    expect(claimed).toMatchObject({ outcome: 'claimed', record: { attempts: 1, data: { itemIds: ['a'] } } })

    await enqueue(ledger, 'jobs', 'j1', { itemIds: ['b'] })
    expect(await getRecord(ledger, 'jobs', 'j1')).toMatchObject({ status: 'processing', data: { itemIds: ['a'] } })
  })
})
