// The map (一张图): its layers, picks and the cases layer.
import type { Widen } from './widen'

export const zh = {
  loading: '正在加载地图…',
  noMap: '尚未导入网格地图',
  streets: '街道',
  communities: '社区',
  unitGrids: '单元网格',
  responsibilityGrids: '责任网格',
  code: '编码',
  name: '名称',
  layers: '图层',
} as const

export const en: Widen<typeof zh> = {
  loading: 'Loading the map…',
  noMap: 'No grid map imported yet',
  streets: 'Streets',
  communities: 'Communities',
  unitGrids: 'Unit grids',
  responsibilityGrids: 'Responsibility grids',
  code: 'Code',
  name: 'Name',
  layers: 'Layers',
}
