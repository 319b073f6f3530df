/**
 * A minimal line chart as standalone SVG: one <g class="series"> per series (our runs solid,
 * published references dashed), concurrency on a log2 x axis, and a printed ratio to the
 * reference at each of our points that has one. No dependency: the report must run offline.
 */

/** One point of a series. */
export interface ChartPoint {
    x: number;
    y: number;
    /** Printed beside the point (e.g. "0.93× ref"). */
    note?: string;
}

/** One line of the chart. */
export interface ChartSeries {
    name: string;
    points: ChartPoint[];
    /** A published reference series (dashed). */
    reference?: boolean;
}

/** What to draw. */
export interface Chart {
    title: string;
    xLabel: string;
    yLabel: string;
    series: ChartSeries[];
}

const WIDTH = 860;
const HEIGHT = 420;
const MARGIN = { left: 80, right: 330, top: 40, bottom: 50 };
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b"];
const REFERENCE_COLOURS = ["#7f7f7f", "#bcbd22", "#17becf"];

/** Text safe inside an SVG element or attribute. */
export function escapeXml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toString() : Number(n.toPrecision(3)).toString());

/** Rounded-up axis maximum: 1, 2 or 5 times a power of ten. */
function niceMax(value: number): number {
    if (value <= 0) {
        return 1;
    }
    const power = 10 ** Math.floor(Math.log10(value));
    return ([1, 2, 5, 10].find((m) => m * power >= value) ?? 10) * power;
}

/** The chart as an SVG document. */
export function lineChart(chart: Chart): string {
    const points = chart.series.flatMap((s) => s.points);
    const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
    const plotW = WIDTH - MARGIN.left - MARGIN.right;
    const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
    const [lo, hi] = xs.length ? [Math.log2(xs[0]), Math.log2(xs[xs.length - 1])] : [0, 1];
    const xPos = (x: number) => MARGIN.left + (hi === lo ? plotW / 2 : ((Math.log2(x) - lo) / (hi - lo)) * plotW);
    const yMax = niceMax(Math.max(0, ...points.map((p) => p.y)) * 1.05);
    const yPos = (y: number) => MARGIN.top + plotH - (y / yMax) * plotH;
    const out: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
        `<title>${escapeXml(chart.title)}</title>`,
        `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
        `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(chart.title)}</text>`,
        `<g class="axes" stroke="black">`,
        `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}"/>`,
        `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}"/>`,
        `</g>`,
    ];
    for (const x of xs) {
        out.push(`<text class="xtick" x="${xPos(x).toFixed(1)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${x}</text>`);
    }
    for (let i = 0; i <= 5; i++) {
        const y = (yMax * i) / 5;
        out.push(
            `<text class="ytick" x="${MARGIN.left - 8}" y="${(yPos(y) + 4).toFixed(1)}" text-anchor="end">${fmt(y)}</text>`,
            `<line x1="${MARGIN.left}" y1="${yPos(y).toFixed(1)}" x2="${MARGIN.left + plotW}" y2="${yPos(y).toFixed(1)}" stroke="#ddd"/>`,
        );
    }
    out.push(
        `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
        `<text x="18" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + plotH / 2})">${escapeXml(chart.yLabel)}</text>`,
    );
    let ours = 0;
    let refs = 0;
    chart.series.forEach((s, i) => {
        const colour = s.reference ? REFERENCE_COLOURS[refs++ % REFERENCE_COLOURS.length] : COLOURS[ours++ % COLOURS.length];
        const sorted = [...s.points].sort((a, b) => a.x - b.x);
        const dash = s.reference ? ` stroke-dasharray="6 4"` : "";
        out.push(`<g class="series" data-series="${escapeXml(s.name)}" data-reference="${s.reference ? "true" : "false"}">`);
        if (sorted.length > 1) {
            const coords = sorted.map((p) => `${xPos(p.x).toFixed(1)},${yPos(p.y).toFixed(1)}`).join(" ");
            out.push(`<polyline points="${coords}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`);
        }
        for (const p of sorted) {
            out.push(`<circle cx="${xPos(p.x).toFixed(1)}" cy="${yPos(p.y).toFixed(1)}" r="4" fill="${colour}"/>`);
            if (p.note) {
                out.push(
                    `<text class="ratio" x="${(xPos(p.x) + 6).toFixed(1)}" y="${(yPos(p.y) - 6).toFixed(1)}" fill="${colour}">${escapeXml(p.note)}</text>`,
                );
            }
        }
        const ly = MARGIN.top + 10 + i * 20;
        const lx = MARGIN.left + plotW + 16;
        out.push(
            `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash}/>`,
            `<text class="legend" x="${lx + 30}" y="${ly + 4}">${escapeXml(s.name)}</text>`,
            `</g>`,
        );
    });
    out.push(`</svg>`);
    return out.join("\n") + "\n";
}
