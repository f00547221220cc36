// Thin wrapper over uPlot: one call draws (or redraws) a line chart into a container.
import './locale.ts';
import uPlot from 'uplot';

export const PALETTE = ['#1f4f99', '#a4262c', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#5d4037', '#c2185b', '#455a64', '#9e9d24', '#283593', '#bf360c'];

export interface Series {
  label: string;
  values: (number | null)[];
  color?: string;
  dash?: boolean;
  width?: number;
}

export interface PlotSpec {
  x: number[];
  series: Series[];
  xLabel: string;
  yLabel: string;
  xLog?: 2 | 10;
  yLog?: boolean;
  yRange?: [number, number];
}

const plots = new WeakMap<HTMLElement, uPlot>();

/** Tick labels for log axes: powers of ten as 1e-5, others only when they are round. */
function logTicks(_u: uPlot, splits: number[]): string[] {
  return splits.map((v) => {
    if (v == null || v <= 0) return '';
    const e = Math.log10(v);
    if (Math.abs(e - Math.round(e)) < 1e-9) return Math.abs(e) <= 3 ? String(Number(v.toPrecision(3))) : `1e${Math.round(e)}`;
    const m = v / 10 ** Math.floor(e);
    return Math.abs(m - Math.round(m)) < 1e-9 && (Math.round(m) === 2 || Math.round(m) === 5) && Math.abs(e) <= 3 ? String(Number(v.toPrecision(3))) : '';
  });
}

export function drawPlot(el: HTMLElement, spec: PlotSpec): void {
  plots.get(el)?.destroy();
  const clean = (v: number | null) => (v === null || !Number.isFinite(v) || (spec.yLog && v <= 0) ? null : v);
  const data: uPlot.AlignedData = [spec.x, ...spec.series.map((s) => s.values.map(clean))];
  const width = Math.max(280, el.clientWidth || 480);
  const opts: uPlot.Options = {
    width,
    height: 300,
    scales: {
      x: spec.xLog ? { time: false, distr: 3, log: spec.xLog } : { time: false },
      y: spec.yLog ? { distr: 3, log: 10 } : spec.yRange ? { range: spec.yRange } : {},
    },
    axes: [
      { label: spec.xLabel, values: spec.xLog === 10 ? logTicks : undefined },
      { label: spec.yLabel, size: 60, values: spec.yLog ? logTicks : undefined },
    ],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    series: [
      { label: spec.xLabel },
      ...spec.series.map((s, i) => ({
        label: s.label,
        stroke: s.color ?? PALETTE[i % PALETTE.length],
        width: s.width ?? 1.6,
        dash: s.dash ? [6, 4] : undefined,
        spanGaps: false,
        points: { show: spec.x.length <= 12 },
      })),
    ],
  };
  plots.set(el, new uPlot(opts, data, el));
}
