/** Inventories shared by the tests and the comparison with ansible-core. */

export const YAML_INVENTORY = `all:
  vars:
    ntp: pool.ntp.org
  hosts:
    solo:
      ansible_host: 10.0.0.9
  children:
    control_plane:
      hosts:
        cp[1:3]:
          ansible_user: admin
    workers:
      hosts:
        node-[a:b]:2222:
        cp1:
    k8s:
      children:
        control_plane:
        workers:
      vars:
        mode: 0644
        enabled: yes
        when: 2024-01-02
`;

export const PATTERN_INI = `solo
[web]
web1
web2
web3
[db]
db1
db2
web3
[dbx]
db10
[lb]
lb.example.com
[prod:children]
web
db
`;

export const PRECEDENCE_TREE: Record<string, string> = {
  hosts: `[all:vars]
x1=inv_all
x2=inv_all
[parent:children]
child
[parent:vars]
x1=inv_parent
[child]
h1 x3=inv_host x4=inv_host
h2
[child:vars]
x1=inv_child
x2=inv_child
[a]
h1
h2
[b]
h1
h2
[a:vars]
s=a
[b:vars]
s=b
[pa]
h2
[pa:vars]
ansible_group_priority=10
q=pa
[pb]
h2
[pb:vars]
q=pb
`,
  'group_vars/all.yml': 'x2: gv_all\nx6: gv_all\n',
  'group_vars/parent.yml': 'x5: gv_parent\nx6: gv_parent\n',
  'group_vars/child/01.yml': 'x5: gv_child_01\nx3: gv_child\n',
  'group_vars/child/02.yaml': 'x5: gv_child_02\n',
  'group_vars/child/notes.txt': 'x5: not a vars file\n',
  'group_vars/child.yml': 'x5: ignored_because_the_directory_is_found_first\n',
  'host_vars/h1.yml': 'x4: hv_h1\n',
  'group_vars/pb.yml': 'ansible_group_priority: 99\nq: gv_pb\n',
};
