import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../../interpreter/steps/index.js';
import { loadPlaybook } from '../../../interpreter/load/index.js';
import { withFiles } from './helpers.js';

const PLAY = (tasks: string) => `- hosts: all\n  tasks:\n${tasks}`;

test('template files are parsed at load time: playbook templates/, role templates/, a static src elsewhere', () => {
  withFiles(
    {
      'site.yaml': `- hosts: all\n  roles: [web]\n  tasks:\n    - template: {src: ../shared/conf.j2, dest: /tmp/c}\n`,
      'templates/good.j2': 'port={{ port }}\n{% for x in xs %}{{ x }}{% endfor %}\n',
      'templates/bad.j2': 'a\nb {{ x | }}\n',
      'roles/web/tasks/main.yaml': '- debug: {msg: hi}\n',
      'roles/web/templates/site.conf.j2': 'ok\n{% if x %}\nno end\n',
    },
    (f) => {
      f.write('shared/conf.j2', '{{ a }\n');
      f.write('site.yaml', `- hosts: all\n  roles: [web]\n  tasks:\n    - template: {src: shared/conf.j2, dest: /tmp/c}\n`);
      const got = f.problems(() => loadPlaybook(f.path('site.yaml')));
      assert.equal(got, [
        'roles/web/templates/site.conf.j2:1:1: template syntax error: expected elif, else, or endif, got end of file',
        'shared/conf.j2:1:6: template syntax error: expected variable end',
        'templates/bad.j2:2:10: template syntax error: expected symbol, got variable-end',
      ]);
    },
  );
});

test('good templates, a templated src and a src that does not exist yet load without a problem', () => {
  withFiles(
    {
      'site.yaml': PLAY(
        '    - template: {src: "{{ name }}.j2", dest: /tmp/a}\n    - template: {src: later.j2, dest: /tmp/b}\n    - template: {src: ok.j2, dest: /tmp/c}\n',
      ),
      'templates/ok.j2': '{# comment #}{{ a | default("x") }}\n{% raw %}{{ not parsed {% endraw %}\n',
      'templates/data.bin': Buffer.from([0, 1, 2, 123, 123]),
    },
    (f) => {
      const pb = loadPlaybook(f.path('site.yaml'));
      assert.is(pb.plays[0].tasks.length, 3);
    },
  );
});

test('templateDirs: a shared folder (the cluster pipelines use templates/ at the top) is checked too', () => {
  withFiles({ 'p/site.yaml': PLAY('    - debug: {msg: hi}\n'), 'shared/x.conf.j2': '{% for %}\n' }, (f) => {
    assert.ok(loadPlaybook(f.path('p/site.yaml')));
    const got = f.problems(() => loadPlaybook(f.path('p/site.yaml'), { templateDirs: [f.path('shared')] }));
    assert.is(got.length, 1);
    assert.match(got[0], /^shared\/x\.conf\.j2:1:\d+: template syntax error: /);
  });
});

test.run();
