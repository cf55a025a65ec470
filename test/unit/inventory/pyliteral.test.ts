import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { iniValue } from '../../../interpreter/inventory/pyliteral.js';

test('Python literals become values', () => {
  assert.is(iniValue('2222'), 2222);
  assert.is(iniValue('-5'), -5);
  assert.is(iniValue('1_000'), 1000);
  assert.is(iniValue('0x1F'), 31);
  assert.is(iniValue('0o644'), 420);
  assert.is(iniValue('1.5'), 1.5);
  assert.is(iniValue('1e3'), 1000);
  assert.is(iniValue('True'), true);
  assert.is(iniValue('False'), false);
  assert.is(iniValue('None'), null);
  assert.is(iniValue('"two words"'), 'two words');
  assert.is(iniValue("'it''s'"), 'its');
  assert.is(iniValue(String.raw`"tab\there"`), 'tab\there');
  assert.is(iniValue(String.raw`r"a\d"`), String.raw`a\d`);
  assert.equal(iniValue("[1, 'a', [True]]"), [1, 'a', [true]]);
  assert.equal(iniValue('(1, 2)'), [1, 2]);
  assert.equal(iniValue('1, 2'), [1, 2]);
  assert.equal(iniValue("{'a': 1, 'b': [2]}"), { a: 1, b: [2] });
  assert.is(iniValue('1 # a comment'), 1);
  assert.is(iniValue('  7'), 7);
});

test('anything else stays the text it was', () => {
  for (const s of ['yes', 'true', 'FALSE', 'secret123', '0644', '1.2.3', '10.0.0.1', 'a # b', '"open', 'x=y', '1+2', '--5', 'f"x"', '[1, 2', '{1: }', '12abc', '1j', '']) {
    assert.is(iniValue(s), s, s);
  }
});

test.run();
