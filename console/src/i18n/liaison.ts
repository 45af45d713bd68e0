// The liaison's workbench (派出机构联络员): the office's queues, its cases on the map, a whistle's
// report-in on the case page.
import type { Widen } from './widen'

export const zh = {
  title: '联络员工作台',
  queues: {
    label: '本单位工作队列',
    to_accept: '待接单',
    handling: '处置中',
    overdue: '超期',
    to_report_in: '待报到',
  },
  list: {
    title: '本单位案件',
    empty: '该队列暂无案件',
    more: '加载更多',
    refresh: '刷新',
    updated: '更新于 {time}',
    role: '本单位',
  },
  columns: {
    description: '问题描述',
    role: '承办',
  },
  map: '本单位案件分布',
  whistle: {
    title: '吹哨报到',
    arrivalDue: '报到时限 {time}',
    arrivedAt: '已于 {time} 报到',
    waiting: '待报到',
    late: '迟到 {minutes} 分钟',
    onTime: '按时',
    overdue: '已超过报到时限',
  },
} as const

export const en: Widen<typeof zh> = {
  title: "Liaison's workbench",
  queues: {
    label: "The office's work queues",
    to_accept: 'To accept',
    handling: 'Handling',
    overdue: 'Overdue',
    to_report_in: 'To report in',
  },
  list: {
    title: "The office's cases",
    empty: 'No case in this queue',
    more: 'Load more',
    refresh: 'Refresh',
    updated: 'Updated at {time}',
    role: 'This office',
  },
  columns: {
    description: 'Description',
    role: 'Role',
  },
  map: "The office's cases on the map",
  whistle: {
    title: 'Whistle: report in',
    arrivalDue: 'Arrive by {time}',
    arrivedAt: 'Reported in at {time}',
    waiting: 'Not reported in',
    late: '{minutes} min late',
    onTime: 'On time',
    overdue: 'Past the arrival deadline',
  },
}
