import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPlaybook, loadRole, roleSearchDirs } from '../../../interpreter/load/index.js';
import type { BlockNode, TaskNode } from '../../../interpreter/load/types.js';
import { pkgRoot } from '../../../interpreter/paths.js';
import { withFiles } from './helpers.js';

const names = (nodes: { role?: { name: string } }[]) => nodes.map((b) => b.role?.name);
const cmds = (nodes: unknown[]) => (nodes as TaskNode[]).map((t) => t.args.cmd);

test('roleSearchDirs: roles/ beside the playbook, the playbook dir, then the shipped roles', () => {
  assert.equal(roleSearchDirs('/p'), ['/p/roles', '/p', `${pkgRoot}/roles`]);
});

test('roles with dependencies (first, once), defaults, vars, params and handlers', () => {
  withFiles(
    {
      'play.yaml': '- hosts: all\n  roles:\n    - web\n    - role: db\n      port: 5432\n      tags: [db]\n      when: use_db\n  tasks:\n    - xcmd: ls\n      notify: [restart web, "web : restart web", reload]\n',
      'roles/common/tasks/main.yaml': '- xcmd: common\n',
      'roles/web/meta/main.yaml': 'dependencies:\n  - common\n',
      'roles/web/defaults/main.yaml': 'web_port: 80\n',
      'roles/web/vars/main.yml': 'web_user: www\n',
      'roles/web/tasks/main.yaml': '- import_tasks: install.yaml\n- xcmd: web\n',
      'roles/web/tasks/install.yaml': '- xcmd: install\n',
      'roles/web/handlers/main.yaml': '- name: restart web\n  xcmd: restart\n- name: other\n  xcmd: other\n  listen: reload\n',
      'roles/db/meta/main.yaml': 'dependencies: [common]\n',
      'roles/db/tasks/main.yaml': '- xcmd: db\n',
    },
    (f) => {
      const play = loadPlaybook(f.path('play.yaml')).plays[0];
      // common runs once: db's dependency on it is the same role with the same params.
      assert.equal(names(play.roles), ['common', 'web', 'db']);
      const [common, web, db] = play.roles;
      assert.ok(common.implicit && web.implicit);
      assert.equal(web.role!.defaults, { web_port: 80 });
      assert.equal(web.role!.vars, { web_user: 'www' });
      assert.is(web.role!.dir, f.path('roles/web'));
      assert.equal(db.role!.params, { port: 5432 });
      assert.equal([db.tags, db.when], [['db'], ['use_db']]);
      // import_tasks inside the role: an implicit block, its tasks carry the role.
      const imp = web.block[0] as BlockNode;
      assert.is(imp.kind, 'block');
      assert.equal(cmds(imp.block), ['install']);
      assert.is((imp.block[0] as TaskNode).role, web.role);
      assert.equal(play.handlers.map((h) => [h.name, h.role?.name]), [['restart web', 'web'], ['other', 'web']]);
    },
  );
});

test('dependencies get the role entry keywords; allow_duplicates and differing params run twice', () => {
  withFiles(
    {
      'play.yaml': '- hosts: all\n  roles:\n    - {role: app, when: go}\n    - {role: lib, v: 2}\n    - dup\n    - dup\n',
      'roles/app/meta/main.yaml': 'dependencies: [{role: lib, v: 1}]\n',
      'roles/app/tasks/main.yaml': '- xcmd: app\n',
      'roles/lib/tasks/main.yaml': '- xcmd: lib\n',
      'roles/dup/meta/main.yaml': 'allow_duplicates: true\n',
      'roles/dup/tasks/main.yaml': '- xcmd: dup\n',
    },
    (f) => {
      const play = loadPlaybook(f.path('play.yaml')).plays[0];
      assert.equal(names(play.roles), ['lib', 'app', 'lib', 'dup', 'dup']);
      assert.equal(play.roles[0].when, ['go']);
      assert.equal([play.roles[0].role!.params, play.roles[2].role!.params], [{ v: 1 }, { v: 2 }]);
    },
  );
});

test('a missing role names where it was referenced and the dirs searched', () => {
  withFiles({ 'play.yaml': '- hosts: all\n  roles:\n    - nope\n' }, (f) => {
    assert.equal(f.problems(() => loadPlaybook(f.path('play.yaml'))), [
      `play.yaml:3:7: role 'nope' not found (searched ${f.dir}/roles, ${f.dir}, ${pkgRoot}/roles)`.split(`${f.dir}/`).join(''),
    ]);
  });
});

test('dependency cycles and bad meta are errors', () => {
  withFiles(
    {
      'play.yaml': '- hosts: all\n  roles: [a]\n',
      'roles/a/meta/main.yaml': 'dependencies: [b]\nallow_dupes: true\n',
      'roles/b/meta/main.yaml': 'dependencies: [a]\n',
    },
    (f) => {
      assert.equal(f.problems(() => loadPlaybook(f.path('play.yaml'))), [
        "roles/a/meta/main.yaml:2:1: role 'a' meta: unknown key 'allow_dupes'",
        'roles/b/meta/main.yaml:1:16: role dependency cycle: a -> b -> a',
      ]);
    },
  );
});

test('import_role: static block with the import keywords; tasks_from; handlers reach the play', () => {
  withFiles(
    {
      'play.yaml': '- hosts: all\n  tasks:\n    - import_role:\n        name: svc\n        tasks_from: setup\n      vars: {x: 1}\n      when: ok\n    - xcmd: ls\n      notify: "svc : bounce"\n',
      'roles/svc/tasks/setup.yml': '- xcmd: setup\n',
      'roles/svc/handlers/main.yaml': '- name: bounce\n  xcmd: bounce\n',
    },
    (f) => {
      const play = loadPlaybook(f.path('play.yaml')).plays[0];
      const b = play.tasks[0] as BlockNode;
      assert.equal([b.kind, b.implicit, b.when, b.role!.name, b.role!.params], ['block', true, ['ok'], 'svc', { x: 1 }]);
      assert.equal(cmds(b.block), ['setup']);
      assert.equal(play.handlers.map((h) => h.name), ['bounce']);
    },
  );
});

test('tasks_from that does not exist, and import_role with a loop', () => {
  withFiles(
    {
      'play.yaml': '- hosts: all\n  tasks:\n    - import_role: {name: svc, tasks_from: nope}\n    - import_role: name=svc\n      loop: [1]\n',
      'roles/svc/tasks/main.yaml': '- xcmd: main\n',
    },
    (f) => {
      assert.equal(f.problems(() => loadPlaybook(f.path('play.yaml'))), [
        `play.yaml:3:20: role 'svc': tasks_from 'nope' not found in ${f.dir}/roles/svc/tasks (tried nope.yaml, nope.yml, nope.json, nope)`.split(`${f.dir}/`).join(''),
        "play.yaml:5:7: import_role task: 'loop' cannot be used on import_role: imports are resolved before the play runs (use include_role)",
      ]);
    },
  );
});

test('include_role stays a task; a static target is validated now; loadRole returns the same objects again', () => {
  withFiles(
    {
      'play.yaml': '- hosts: all\n  tasks:\n    - include_role: {name: svc}\n      notify: "svc : bounce"\n    - include_role:\n        name: broken\n',
      'roles/svc/meta/main.yaml': 'dependencies: [base]\n',
      'roles/svc/tasks/main.yaml': '- xcmd: svc\n',
      'roles/svc/handlers/main.yaml': '- name: bounce\n  xcmd: bounce\n',
      'roles/base/tasks/main.yaml': '- xcmd: base\n',
      'roles/broken/tasks/main.yaml': '- xcmd: ls\n  wehn: x\n',
    },
    (f) => {
      assert.equal(f.problems(() => loadPlaybook(f.path('play.yaml'))), [
        "roles/broken/tasks/main.yaml:2:3: xcmd task: unknown keyword 'wehn' (did you mean 'when'?)",
      ]);
      f.write('roles/broken/tasks/main.yaml', '- xcmd: ls\n');
      const play = loadPlaybook(f.path('play.yaml')).plays[0];
      const inc = play.tasks[0] as TaskNode;
      assert.equal([inc.kind, inc.action, inc.args], ['task', 'include_role', { name: 'svc' }]);
      const opts = { searchDirs: roleSearchDirs(f.dir) };
      const a = loadRole('svc', opts);
      assert.is(a.body.role!.name, 'svc');
      // The dependency is a block at the start of the role's body.
      assert.equal([(a.body.block[0] as BlockNode).role!.name, cmds(a.body.block.slice(1))], ['base', ['svc']]);
      assert.equal(a.handlers.map((h) => h.name), ['bounce']);
      assert.is(loadRole('svc', { searchDirs: roleSearchDirs(f.dir) }), a);
      assert.equal(f.problems(() => loadRole('ghost', { ...opts, pos: { file: f.path('play.yaml'), line: 3, col: 9 } })), [
        `play.yaml:3:9: role 'ghost' not found (searched ${opts.searchDirs.join(', ')})`.split(`${f.dir}/`).join(''),
      ]);
    },
  );
});

test.run();
