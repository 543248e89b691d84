// The custom ECharts build served by cxlens (scripts/echarts/build.sh): only the charts and components the pages use.
import * as echarts from "echarts/core";
import { LineChart, BarChart, CustomChart } from "echarts/charts";
import { GridComponent, TooltipComponent, LegendComponent, LegendScrollComponent, AriaComponent, TitleComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
echarts.use([LineChart, BarChart, CustomChart, GridComponent, TooltipComponent, LegendComponent, LegendScrollComponent, AriaComponent, TitleComponent, CanvasRenderer]);
window.echarts = echarts;
