// What the workbench and the case forms pick from: the catalog's items and the offices that serve
// a street. Each is asked of the API once per page load.
import { api, problemText } from '../../api/client'
import type { components } from '../../api/schema'

export type Item = components['schemas']['ItemRead']
export type Office = components['schemas']['OfficeRead']

let items: Promise<Item[]> | null = null
const offices = new Map<string, Promise<Office[]>>()

async function fetchItems(): Promise<Item[]> {
  const { data, error } = await api.GET('/catalog/items', { params: { query: { limit: 500 } } })
  if (!data) throw new Error(problemText(error))
  return data.items
}

async function fetchOffices(streetCode: string): Promise<Office[]> {
  const { data, error } = await api.GET('/org/offices', {
    params: { query: { street_code: streetCode } },
  })
  if (!data) throw new Error(problemText(error))
  return data
}

/** The catalog's items in code order (the catalog holds fewer than 500). */
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
