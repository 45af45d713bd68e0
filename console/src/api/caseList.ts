// A workbench's list of cases (`GET /cases`), paged by keyset: the first page, or as many rows as
// are shown when it refreshes, and the next pages on demand. An answer to an older question (the
// filters changed meanwhile) is dropped when it comes late.
import { ref } from 'vue'
import type { CaseListParams } from '../lib/queueFilters'
import { api, problemText } from './client'
import type { components } from './schema'

type CaseRead = components['schemas']['CaseRead']

export const PAGE = 50
const MOST = 500

/** `query(limit)`: the list's parameters for a page of `limit` rows. */
export function useCaseList(query: (limit: number) => CaseListParams) {
  const rows = ref<CaseRead[]>([])
  const nextAfter = ref<number | null>(null)
  const loading = ref(false)
  const failure = ref('')
  const updatedAt = ref<Date | null>(null)
  let asked = 0

  /** The list from its start, as many rows as `limit` (at least a page, at most 500). */
  async function load(limit = PAGE): Promise<void> {
    const ticket = ++asked
    loading.value = true
    const { data, error } = await api.GET('/cases', {
      params: { query: query(Math.min(Math.max(limit, PAGE), MOST)) },
    })
    if (ticket !== asked) return
    loading.value = false
    if (!data || !('items' in data)) {
      failure.value = problemText(error)
      return
    }
    failure.value = ''
    rows.value = data.items
    nextAfter.value = data.next_after
    updatedAt.value = new Date()
  }

  /** The next page after the rows shown. */
  async function loadMore(): Promise<void> {
    if (nextAfter.value === null) return
    const ticket = asked
    const { data } = await api.GET('/cases', {
      params: { query: { ...query(PAGE), after: nextAfter.value } },
    })
    if (!data || !('items' in data) || ticket !== asked) return
    rows.value = [...rows.value, ...data.items]
    nextAfter.value = data.next_after
  }

  /** Another question: the rows shown go at once, the answer comes with `load`. */
  function restart(): Promise<void> {
    rows.value = []
    return load()
  }

  return { rows, nextAfter, loading, failure, updatedAt, load, loadMore, restart }
}
