/**
 * A small builder for Grafana dashboard JSON (schemaVersion 39): rows of time-series panels on a
 * 24-column grid, every query against the data source picked in the `datasource` variable.
 */

/** One PromQL query of a panel and its legend (Grafana `{{label}}` templating). */
export interface Query {
    readonly expr: string;
    readonly legend: string;
}

/** A time-series panel. */
export interface PanelSpec {
    readonly title: string;
    /** What the panel answers (shown as the panel's info tooltip). */
    readonly description: string;
    /** Grafana unit id: reqps, s, percentunit, bytes, Bps, watt, celsius, short. */
    readonly unit: string;
    readonly queries: readonly Query[];
}

/** A titled row of panels. */
export interface RowSpec {
    readonly title: string;
    readonly panels: readonly PanelSpec[];
}

/** A dashboard: identity and rows. */
export interface DashboardSpec {
    readonly uid: string;
    readonly title: string;
    readonly description: string;
    readonly rows: readonly RowSpec[];
}

interface GridPos {
    x: number;
    y: number;
    w: number;
    h: number;
}

/** A panel of Grafana's JSON model (the fields tests read; the rest as written). */
export interface PanelJson {
    id: number;
    type: string;
    title: string;
    gridPos: GridPos;
    targets?: { refId: string; expr: string; legendFormat: string }[];
    [field: string]: unknown;
}

/** Grafana's JSON model of a dashboard (the fields this builder writes). */
export interface DashboardJson {
    uid: string;
    title: string;
    description: string;
    panels: PanelJson[];
    [field: string]: unknown;
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" };
const GRID_COLUMNS = 24;
const PANEL_HEIGHT = 8;
const PANELS_PER_LINE = 3;

/** The dashboard JSON: a row header per row, its panels three to a line. */
export function dashboard(spec: DashboardSpec): DashboardJson {
    const panels: PanelJson[] = [];
    let y = 0;
    let id = 1;
    for (const row of spec.rows) {
        panels.push({ id: id++, type: "row", title: row.title, collapsed: false, gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 }, panels: [] });
        y += 1;
        const width = GRID_COLUMNS / Math.min(PANELS_PER_LINE, row.panels.length);
        row.panels.forEach((panel, i) => {
            const column = i % PANELS_PER_LINE;
            const line = Math.floor(i / PANELS_PER_LINE);
            panels.push(timeSeries(id++, panel, { x: column * width, y: y + line * PANEL_HEIGHT, w: width, h: PANEL_HEIGHT }));
        });
        y += Math.ceil(row.panels.length / PANELS_PER_LINE) * PANEL_HEIGHT;
    }
    return {
        uid: spec.uid,
        title: spec.title,
        description: spec.description,
        tags: ["pd-serving"],
        editable: true,
        schemaVersion: 39,
        version: 1,
        time: { from: "now-1h", to: "now" },
        refresh: "30s",
        templating: {
            list: [{ name: "datasource", label: "Data source", type: "datasource", query: "prometheus", current: {}, hide: 0 }],
        },
        panels,
    };
}

function timeSeries(id: number, panel: PanelSpec, gridPos: GridPos): PanelJson {
    return {
        id,
        type: "timeseries",
        title: panel.title,
        description: panel.description,
        datasource: DATASOURCE,
        gridPos,
        fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
        options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } },
        targets: panel.queries.map((q, i) => ({
            refId: String.fromCharCode(65 + i),
            datasource: DATASOURCE,
            expr: q.expr,
            legendFormat: q.legend,
        })),
    };
}

/** p50 and p99 of a histogram, grouped by `by` (queries for one panel). */
export function quantiles(histogram: string, by: string, legend: string, selector = ""): Query[] {
    return [0.5, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le, ${by}) (rate(${histogram}_bucket${selector}[$__rate_interval])))`,
        legend: `p${q * 100} ${legend}`,
    }));
}
