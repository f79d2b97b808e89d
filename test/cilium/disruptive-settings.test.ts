/**
 * A setting counts as changed only when the chart would act differently: a value
 * written out at the chart's default, or one that means nothing while its
 * switch is off, is no change of a running mesh.
 */
import { changedSettings } from '../../lib/cilium/disruptive-settings';

const keys = (before: unknown, after: unknown) => changedSettings(before, after).map((s) => s.key);

describe('changed disruptive settings', () => {
  it('takes encryption left out and encryption written as off for the same', () => {
    expect(keys({}, { encryption: { enabled: false } })).toEqual([]);
    expect(keys({ encryption: { enabled: false, type: 'ipsec' } }, { encryption: { enabled: false, type: 'wireguard' } })).toEqual([]);
  });

  it('sees encryption switched on, off, or to another type', () => {
    expect(keys({}, { encryption: { enabled: true, type: 'wireguard' } })).toEqual(['encryption']);
    expect(keys({ encryption: { enabled: true, type: 'wireguard' } }, { encryption: { enabled: false } })).toEqual(['encryption']);
    expect(keys({ encryption: { enabled: true } }, { encryption: { enabled: true, type: 'wireguard' } })).toEqual(['encryption']);
    // The chart's default type is ipsec: written out or not, the same.
    expect(keys({ encryption: { enabled: true } }, { encryption: { enabled: true, type: 'ipsec' } })).toEqual([]);
  });

  it('compares the other settings as written', () => {
    expect(keys({ cluster: { id: 1 } }, { cluster: { id: 2 } })).toEqual(['cluster-id']);
    expect(keys({ routingMode: 'tunnel', tunnelProtocol: 'vxlan' }, { routingMode: 'tunnel', tunnelProtocol: 'geneve' })).toEqual(['routing']);
    expect(keys({ routingMode: 'tunnel' }, { routingMode: 'tunnel' })).toEqual([]);
  });
});
