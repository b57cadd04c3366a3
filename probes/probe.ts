/**
 * Entry of the in-browser probe page. Exposes `window.iceprobe` for headless runs driven by the
 * CLI; the same functions run when a person opens the page (iceprobe serve).
 */
import { call, callAbort, callClose, callCounter, callFinish, callOpen, callReceive, callSend, callStop } from './call.js';
import { ceiling } from './ceiling.js';
import { gather } from './gather.js';

const api = { gather, call, callOpen, callSend, callStop, callReceive, callCounter, callFinish, callClose, callAbort, ceiling, ready: true as const };
declare global {
  interface Window {
    iceprobe: typeof api;
  }
}
window.iceprobe = api;
const status = document.getElementById('status');
if (status) status.textContent = 'Ready.';
