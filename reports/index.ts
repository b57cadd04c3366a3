/** Report renderers: a Report in, a string out (write.ts is the only file IO). */
export { renderHtml } from './html.js';
export { renderJunit } from './junit.js';
export { renderMarkdown } from './markdown.js';
export { renderTable, type TableOptions } from './table.js';
export { writeReports, loadReport, type WriteTargets, type WriteOptions, type Written } from './write.js';
