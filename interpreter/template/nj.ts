/**
 * Typed access to the nunjucks internals this layer builds on: its lexer and parser (extended in
 * parser.ts), its compiler (extended in compiler.ts) and its runtime helpers. The public typings
 * only describe the high-level API, so the modules are loaded through require.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface NjNode {
  typename: string;
  lineno: number;
  colno: number;
  [field: string]: any;
}

export interface NjToken {
  type: string;
  value: any;
  lineno: number;
  colno: number;
}

export const nunjucks: any = require('nunjucks');
export const lexer: any = require('nunjucks/src/lexer');
export const nodes: any = require('nunjucks/src/nodes');
export const parserModule: any = require('nunjucks/src/parser');
export const compilerModule: any = require('nunjucks/src/compiler');
export const transformer: any = require('nunjucks/src/transformer');
export const njRuntime: any = require('nunjucks/src/runtime');
export const njLib: any = require('nunjucks/src/lib');
