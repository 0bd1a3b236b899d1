// The shared engine suite on the WASM (wasm-bindgen) backend.
import { loader, skipReason } from './test-support/backends.js';
import { runEngineSuite } from './test-support/suite.js';

runEngineSuite({ name: 'wasm', load: loader('wasm'), skip: skipReason('wasm') });
