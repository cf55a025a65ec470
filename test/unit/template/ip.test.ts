/**
 * The ansible.utils IP filters. Every expectation here was checked against ansible-core 2.14 with
 * ansible.utils 2.10 (netaddr): values that Ansible prints as '' are None (rendered as '').
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fails, render, type Case } from './helpers.js';

const CASES: Case[] = [
  ["{{ '10.233.0.0/18' | ipaddr('net') | ipaddr(1) | ipaddr('address') }}", "10.233.0.1"],
  ["{{ '10.233.0.0/18' | ipaddr }}", "10.233.0.0/18"],
  ["{{ '10.233.0.5' | ipaddr }}", "10.233.0.5"],
  ["{{ 'not-an-ip' | ipaddr }}", false],
  ["{{ '' | ipaddr }}", false],
  ["{{ '300.1.1.1' | ipaddr }}", false],
  ["{{ ['10.0.0.1', 'x', '::1', '10.0.0.0/8'] | ipaddr }}", ["10.0.0.1","::1","10.0.0.0/8"]],
  ["{{ '192.168.1.5/24' | ipaddr('address') }}", "192.168.1.5"],
  ["{{ '192.168.1.0/24' | ipaddr('address') }}", ""],
  ["{{ '192.168.1.5/24' | ipaddr('network') }}", "192.168.1.0"],
  ["{{ '192.168.1.5/24' | ipaddr('netmask') }}", "255.255.255.0"],
  ["{{ '192.168.1.5/24' | ipaddr('hostmask') }}", "0.0.0.255"],
  ["{{ '192.168.1.5/24' | ipaddr('prefix') }}", 24],
  ["{{ '192.168.1.5/24' | ipaddr('broadcast') }}", "192.168.1.255"],
  ["{{ '192.168.1.5/24' | ipaddr('size') }}", 256],
  ["{{ '192.168.1.5/24' | ipaddr('net') }}", ""],
  ["{{ '192.168.1.0/24' | ipaddr('net') }}", "192.168.1.0/24"],
  ["{{ '192.168.1.5/24' | ipaddr('host') }}", "192.168.1.5/24"],
  ["{{ '192.168.1.5' | ipaddr('host') }}", "192.168.1.5/32"],
  ["{{ '192.168.1.5/24' | ipaddr('subnet') }}", "192.168.1.0/24"],
  ["{{ '192.168.1.5/24' | ipaddr('cidr') }}", "192.168.1.5/24"],
  ["{{ '192.168.1.5/24' | ipaddr('address/prefix') }}", "192.168.1.5/24"],
  ["{{ '192.168.1.5/24' | ipaddr('int') }}", "3232235781/24"],
  ["{{ '192.168.1.5' | ipaddr('int') }}", 3232235781],
  ["{{ '192.168.1.0/24' | ipaddr('first_usable') }}", "192.168.1.1"],
  ["{{ '192.168.1.0/24' | ipaddr('last_usable') }}", "192.168.1.254"],
  ["{{ '192.168.1.0/24' | ipaddr('range_usable') }}", "192.168.1.1-192.168.1.254"],
  ["{{ '192.168.1.5/24' | ipaddr('next_usable') }}", "192.168.1.6"],
  ["{{ '192.168.1.5/24' | ipaddr('previous_usable') }}", "192.168.1.4"],
  ["{{ '192.168.1.5/24' | ipaddr('type') }}", "address"],
  ["{{ '192.168.1.0/24' | ipaddr('type') }}", "network"],
  ["{{ '192.168.1.5/24' | ipaddr('version') }}", 4],
  ["{{ '10.0.0.1' | ipaddr('private') }}", "10.0.0.1"],
  ["{{ '8.8.8.8' | ipaddr('private') }}", ""],
  ["{{ '8.8.8.8' | ipaddr('public') }}", "8.8.8.8"],
  ["{{ '127.0.0.1' | ipaddr('loopback') }}", "127.0.0.1"],
  ["{{ '224.0.0.1' | ipaddr('multicast') }}", "224.0.0.1"],
  ["{{ '169.254.1.1' | ipaddr('link-local') }}", "169.254.1.1"],
  ["{{ '1.2.3.4' | ipaddr('revdns') }}", "4.3.2.1.in-addr.arpa."],
  ["{{ '192.168.1.0/24' | ipaddr(-1) }}", "192.168.1.255/24"],
  ["{{ '192.168.1.0/24' | ipaddr(300) }}", false],
  ["{{ '192.168.1.7/32' | ipaddr(0) }}", "192.168.1.7/32"],
  ["{{ '192.168.1.7/24' | ipaddr('192.168.0.0/16') }}", "192.168.1.7/24"],
  ["{{ '192.168.1.7/24' | ipaddr('10.0.0.0/8') }}", ""],
  ["{{ '192.168.1.0/255.255.255.0' | ipaddr }}", "192.168.1.0/24"],
  ["{{ 3232235777 | ipaddr }}", "192.168.1.1"],
  ["{{ '2001:db8::1/64' | ipaddr('network') }}", "2001:db8::"],
  ["{{ '2001:db8::1/64' | ipaddr('address') }}", "2001:db8::1"],
  ["{{ '2001:0db8:0000:0000:0000:0000:0000:0001' | ipaddr }}", "2001:db8::1"],
  ["{{ '2001:db8:0:0:1:0:0:1' | ipaddr }}", "2001:db8::1:0:0:1"],
  ["{{ '2001:0:0:1:0:0:0:1' | ipaddr }}", "2001:0:0:1::1"],
  ["{{ '1:0:1:1:1:1:1:1' | ipaddr }}", "1:0:1:1:1:1:1:1"],
  ["{{ '::' | ipaddr }}", "::"],
  ["{{ '::ffff:192.168.1.1' | ipaddr }}", "::ffff:192.168.1.1"],
  ["{{ 'fe80::1%eth0' | ipaddr }}", false],
  ["{{ '[2001:db8::1]' | ipaddr }}", false],
  ["{{ 'fd00:10:233::/108' | ipaddr('net') | ipaddr(1) | ipaddr('address') }}", "fd00:10:233::1"],
  ["{{ 'fd85:ee78:d8a6:8607::1000/116' | ipaddr('size') }}", 4096],
  ["{{ 'fd85:ee78:d8a6:8607::1000/116' | ipaddr('last_usable') }}", "fd85:ee78:d8a6:8607::1ffe"],
  ["{{ '2001:db8::/64' | ipaddr('netmask') }}", "ffff:ffff:ffff:ffff::"],
  ["{{ '192.168.1.1/24' | ipv6 }}", false],
  ["{{ '::ffff:192.168.1.1/120' | ipv4 }}", false],
  ["{{ ['192.168.1.5', 'x', '::1', '10.0.0.0/8'] | ipv4 }}", ["192.168.1.5","10.0.0.0/8"]],
  ["{{ ['192.168.1.5', 'x', '::1', '2001:db8::/32'] | ipv6 }}", ["::1","2001:db8::/32"]],
  ["{{ '192.168.1.5/24' | ipv4('address') }}", "192.168.1.5"],
  ["{{ '::1' | ipv4 }}", false],
  ["{{ '::1' | ipwrap }}", "[::1]"],
  ["{{ '2001:db8::/32' | ipwrap }}", "[2001:db8::]/32"],
  ["{{ '192.168.1.1' | ipwrap }}", "192.168.1.1"],
  ["{{ 'example.com' | ipwrap }}", "example.com"],
  ["{{ ['::1', '1.1.1.1', 'host'] | ipwrap }}", ["[::1]","1.1.1.1","host"]],
  ["{{ '10.233.64.0/18' | nthhost(10) }}", "10.233.64.10"],
  ["{{ '10.233.64.0/18' | nthhost(-1) }}", "10.233.127.255"],
  ["{{ '10.0.0.0/30' | nthhost(5) }}", false],
  ["{{ '2001:db8::/32' | nthhost(16) }}", "2001:db8::10"],
  ["{{ 'x' | nthhost(1) }}", false],
  ["{{ '192.168.1.10/24' | next_nth_usable(3) }}", "192.168.1.13"],
  ["{{ '192.168.1.254/24' | next_nth_usable(3) }}", ""],
  ["{{ '192.168.1.10/24' | previous_nth_usable(3) }}", "192.168.1.7"],
  ["{{ '192.168.1.10' | ipmath(5) }}", "192.168.1.15"],
  ["{{ '192.168.1.10' | ipmath(-20) }}", "192.168.0.246"],
  ["{{ '192.168.1.10/24' | ipmath(1) }}", "192.168.1.11"],
  ["{{ '2001:db8::1' | ipmath(16) }}", "2001:db8::11"],
  ["{{ '192.168.0.0/16' | ipsubnet(24, 3) }}", "192.168.3.0/24"],
  ["{{ '192.168.0.0/16' | ipsubnet(24, -1) }}", "192.168.255.0/24"],
  ["{{ '192.168.0.0/16' | ipsubnet(24) }}", "256"],
  ["{{ '192.168.0.0/16' | ipsubnet }}", "192.168.0.0/16"],
  ["{{ '10.0.0.0/8' | network_in_usable('10.1.2.3') }}", true],
  ["{{ '10.0.0.0/8' | network_in_usable('11.1.2.3') }}", false],
  ["{{ '10.0.0.0/8' | network_in_network('10.1.0.0/16') }}", true],
  ["{{ '10.0.0.0/8' | network_in_network('10.1.2.3') }}", true],
  ["{{ '10.0.0.0/16' | network_in_network('10.0.0.0/8') }}", false],
  ["{{ '10.0.0.0/8' | network_in_usable('10.0.0.0') }}", false],
  ["{{ '192.168.1.5/24' | ansible.netcommon.ipaddr('address') }}", "192.168.1.5"],
  ["{{ '192.168.1.5/30' | ipaddr('peer') }}", "192.168.1.6"],
];

for (const [tpl, expected] of CASES) {
  test(tpl, () => {
    assert.equal(render(tpl), expected);
  });
}

test('IP filters answer to their collection names (ansible.utils.*, ansible.netcommon.*)', () => {
  const cidr = { serviceCIDR: '10.96.0.0/12', podCIDR: '10.244.0.0/16' };
  assert.is(render("{{ serviceCIDR | ansible.utils.ipaddr('net') | ansible.utils.ipaddr(10) | ansible.utils.ipaddr('address') }}", cidr), '10.96.0.10');
  assert.is(render('{{ podCIDR | ansible.utils.nthhost(10) }}', cidr), '10.244.0.10');
  assert.is(render("{{ podCIDR | ansible.netcommon.ipaddr('prefix') }}", cidr), 16);
  assert.is(render("{{ '::1' | ansible.utils.ipwrap }}"), '[::1]');
});

test('IP filter errors', () => {
  fails(() => render("{{ '10.0.0.0/8' | ipaddr('nonsense') }}"), 'ipaddr: unknown filter type: nonsense');
  fails(() => render("{{ '10.0.0.1' | ipaddr('first_usable') }}"), 'Not a network address');
  fails(() => render("{{ 'x' | ipmath(1) }}"), 'You must pass a valid IP address; x is invalid');
  fails(() => render("{{ '10.0.0.1' | ipmath('a') }}"), "You must pass an integer for arithmetic; a is not a valid integer");
  fails(() => render("{{ '10.0.0.0/8' | next_nth_usable('1') }}"), 'Must pass in an integer');
  fails(() => render("{{ '192.168.1.4/30' | ipaddr('peer') }}"), 'Network address of /30 has no peer');
});

test.run();
