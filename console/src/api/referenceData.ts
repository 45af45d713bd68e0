// What the workbenches and the case forms pick from: the catalog's items and the offices that
// serve a street. Each is asked of the API once per page load (they change seldom).
import { api, need, problemText } from './client'
import type { components } from './schema'

export type Item = components['schemas']['ItemRead']
export type Office = components['schemas']['OfficeRead']

let items: Promise<Item[]> | null = null
const offices = new Map<string, Promise<Office[]>>()

// A few hundred items: one or two pages.
async function fetchItems(): Promise<Item[]> {
  const found: Item[] = []
  let after: string | null = null
  do {
    const query: { limit: number; after?: string } = { limit: 500, ...(after ? { after } : {}) }
    const page = need(await api.GET('/catalog/items', { params: { query } }))
    found.push(...page.items)
    after = page.next_after
  } while (after)
  return found
}

async function fetchOffices(streetCode: string): Promise<Office[]> {
  const { data, error } = await api.GET('/org/offices', {
    params: { query: { street_code: streetCode } },
  })
  if (!data) throw new Error(problemText(error))
  return data
}

/** Every current item of the catalog, in code order. */
export function catalogItems(): Promise<Item[]> {
  items ??= fetchItems().catch((error: unknown) => {
    items = null
    throw error
  })
  return items
}

/** The offices of a street and those whose jurisdiction reaches into it. */
export function streetOffices(streetCode: string): Promise<Office[]> {
  let found = offices.get(streetCode)
  if (!found) {
    found = fetchOffices(streetCode).catch((error: unknown) => {
      offices.delete(streetCode)
      throw error
    })
    offices.set(streetCode, found)
  }
  return found
}
