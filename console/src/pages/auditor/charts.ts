// ECharts with only what the auditor's charts use (lines, bars, a tooltip and a legend, drawn on a
// canvas), so that the bundle carries no more of it than that.
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([LineChart, BarChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer])

export { echarts }
export type ECharts = echarts.ECharts
export type EChartsOption = echarts.EChartsCoreOption
