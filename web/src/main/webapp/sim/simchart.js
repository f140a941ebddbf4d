// The population chart: prey and predators over ticks, with axes, units and a legend (uPlot,
// bundled from npm at build time). It takes its container's width, and follows it.
import uPlot from '../vendor/uplot/uPlot.esm.js';

const HEIGHT = 220;

export class PopulationChart {
  constructor(box) {
    this.box = box;
    const options = {
      width: Math.max(200, box.clientWidth),
      height: HEIGHT,
      scales: { x: { time: false } },
      axes: [
        { label: 'tick', labelSize: 20, size: 36 },
        { label: 'entities', labelSize: 20, size: 56 },
      ],
      series: [
        { label: 'tick' },
        { label: 'prey', stroke: '#2e9e4f', width: 2 },
        { label: 'predators', stroke: '#d2453c', width: 2 },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    this.plot = new uPlot(options, [[], [], []], box);
    new ResizeObserver(() => {
      const width = Math.max(200, box.clientWidth);
      if (width !== this.plot.width) this.plot.setSize({ width, height: HEIGHT });
    }).observe(box);
  }

  /** Shows the samples ({tick, population: [prey, predators]}, oldest first). */
  show(history) {
    this.plot.setData([
      history.map((s) => s.tick),
      history.map((s) => s.population[0]),
      history.map((s) => s.population[1]),
    ]);
    // Without a cursor over the chart, the legend gives the newest counts.
    if (history.length > 0) this.plot.setLegend({ idx: history.length - 1 });
  }

  /** The axes' labels. */
  get axes() {
    return this.plot.axes.map((a) => a.label);
  }
}
