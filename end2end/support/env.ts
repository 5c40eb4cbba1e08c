// Addresses and paths shared by the Playwright config, the global setup and the tests.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** end2end/ */
export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The workspace root: scimhub starts here so it finds `target/site`. */
export const REPO_ROOT = path.resolve(E2E_DIR, '..');

/** Where the dashboard and the SCIM API are served (also the server's `--public-url`). */
export const BASE_URL = (process.env.SCIMHUB_E2E_BASE_URL || 'http://127.0.0.1:3100').replace(/\/+$/, '');
export const OIDC_PORT = Number(process.env.OIDC_PORT || 4011);
export const OIDC_ISSUER = `http://127.0.0.1:${OIDC_PORT}`;

/** The scimhub binary (built by `cargo leptos build`). */
export const SCIMHUB_BIN = path.resolve(REPO_ROOT, process.env.SCIMHUB_BIN || 'target/debug/scimhub');

/** Hosts tests may talk to; every other request is aborted. */
export const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
