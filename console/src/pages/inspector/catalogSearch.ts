// Finding a catalog item the way an inspector thinks of it: by a word of its name (井盖), its
// code (C0101) or its big class (市容环境).
import type { Item } from '../../api/referenceData'

export interface ItemGroup {
  label: string
  items: Item[]
}

function matches(item: Item, words: string[]): boolean {
  const text = [item.name, item.code, item.big_class_name, item.big_class_code].join(' ')
  return words.every((word) => text.toLowerCase().includes(word))
}

/** The items matching every word of `query`, grouped by big class in catalog order. */
export function searchItems(items: Item[], query: string): ItemGroup[] {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean)
  const groups = new Map<string, ItemGroup>()
  for (const item of items) {
    if (!matches(item, words)) continue
    const key = `${item.kind}:${item.big_class_code}`
    const label = `${item.big_class_name}（${item.code.slice(0, 3)}）`
    const group = groups.get(key) ?? { label, items: [] }
    group.items.push(item)
    groups.set(key, group)
  }
  return [...groups.values()]
}
