import { describe, expect, it } from 'vitest'
import type { Item } from '../../api/referenceData'
import { searchItems } from './catalogSearch'

const item = (code: string, name: string, bigClassName: string): Item =>
  ({
    code,
    name,
    kind: code.startsWith('E') ? 'event' : 'component',
    big_class_code: code.slice(1, 3),
    big_class_name: bigClassName,
  }) as Item

const ITEMS = [
  item('C0101', '上水井盖', '公用设施'),
  item('C0102', '污水井盖', '公用设施'),
  item('E0102', '暴露垃圾', '市容环境'),
  item('E0104', '积存垃圾渣土', '市容环境'),
]

const codes = (query: string) =>
  searchItems(ITEMS, query).flatMap((group) => group.items.map((found) => found.code))

describe('searchItems', () => {
  it('finds items by a word of their name', () => {
    expect(codes('井盖')).toEqual(['C0101', 'C0102'])
    expect(codes('垃圾')).toEqual(['E0102', 'E0104'])
  })

  it('finds an item by its code, in any case', () => {
    expect(codes('e0102')).toEqual(['E0102'])
  })

  it('finds every item of a big class by its name', () => {
    expect(codes('市容')).toEqual(['E0102', 'E0104'])
  })

  it('needs every word to match', () => {
    expect(codes('公用 污水')).toEqual(['C0102'])
  })

  it('groups by big class, an event class apart from a component class of the same number', () => {
    const groups = searchItems(ITEMS, '')
    expect(groups.map((g) => g.label)).toEqual(['公用设施（C01）', '市容环境（E01）'])
  })
})
