import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expandHostEntry, expandHostRange, parseAddress, splitHostPort } from '../../../interpreter/inventory/hostrange.js';

test('numeric ranges keep zero padding and accept a step', () => {
  assert.equal(expandHostRange('web[01:03]'), ['web01', 'web02', 'web03']);
  assert.equal(expandHostRange('web[1:3].example.com'), ['web1.example.com', 'web2.example.com', 'web3.example.com']);
  assert.equal(expandHostRange('n[0:10:5]'), ['n0', 'n5', 'n10']);
  assert.equal(expandHostRange('n[:2]'), ['n0', 'n1', 'n2']);
});

test('letter ranges and several ranges in one name', () => {
  assert.equal(expandHostRange('db-[a:c]'), ['db-a', 'db-b', 'db-c']);
  assert.equal(expandHostRange('r[1:2]-[x:y]'), ['r1-x', 'r1-y', 'r2-x', 'r2-y']);
  assert.equal(expandHostRange('plain'), ['plain']);
});

test('bad ranges are errors that say what is wrong', () => {
  assert.throws(() => expandHostRange('web[3:1]'), /begin <= end/);
  assert.throws(() => expandHostRange('web[01:100]'), /same number of digits/);
  assert.throws(() => expandHostRange('web[1]'), /\[begin:end\]/);
  assert.throws(() => expandHostRange('web[1:]'), /no end value/);
  assert.throws(() => expandHostRange('web[a:3]'), /numbers .* or single letters/);
  assert.throws(() => expandHostRange('web[1:3:0]'), /step/);
  assert.throws(() => expandHostRange('web[1:3'), /closing/);
});

test('ports come off host names, addresses and bracketed IPv6', () => {
  assert.equal(splitHostPort('h:2222'), { host: 'h', port: 2222 });
  assert.equal(splitHostPort('10.0.0.1:22'), { host: '10.0.0.1', port: 22 });
  assert.equal(splitHostPort('[2001:db8::1]:2200'), { host: '2001:db8::1', port: 2200 });
  assert.equal(splitHostPort('2001:db8::1'), { host: '2001:db8::1' });
  assert.equal(splitHostPort('plain'), { host: 'plain' });
  assert.equal(splitHostPort('not a host:22'), { host: 'not a host:22' });
  assert.equal(expandHostEntry('db-[a:b]:2222'), { names: ['db-a', 'db-b'], port: 2222 });
  assert.equal(parseAddress('web[1:3]'), { host: 'web[1:3]' });
  assert.is(parseAddress('a:b'), undefined);
});

test.run();
