import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Signal } from '@lumino/signaling';

import {
  AUTOLOG_PLUGIN_ID,
  AutologSetting,
  ENABLED_PROPERTY
} from '../setting';

/** Loaded settings holding one `enabled` value. */
class FakeSettings {
  readonly changed = new Signal<this, void>(this);
  value: unknown = true;

  get(key: string): { composite: unknown } {
    return { composite: key === ENABLED_PROPERTY ? this.value : undefined };
  }

  set(value: unknown): void {
    this.value = value;
    this.changed.emit();
  }
}

describe('AutologSetting', () => {
  it('keeps the contract id and property name', () => {
    expect(AUTOLOG_PLUGIN_ID).toBe('jupyterlab-mlplatform:autolog');
    expect(ENABLED_PROPERTY).toBe('enabled');
  });

  it('is on until settings are attached', () => {
    const setting = new AutologSetting();
    expect(setting.enabled).toBe(true);
    expect(setting.attached).toBe(false);
    setting.dispose();
  });

  it('follows the attached settings and emits changes', () => {
    const setting = new AutologSetting();
    const settings = new FakeSettings();
    settings.value = false;
    const seen: boolean[] = [];
    setting.changed.connect((_, value) => seen.push(value));

    setting.attach(settings as unknown as ISettingRegistry.ISettings);
    expect(setting.enabled).toBe(false);
    settings.set(true);
    settings.set(true);
    settings.set(false);

    expect(seen).toEqual([false, true, false]);
    expect(setting.attached).toBe(true);

    setting.dispose();
    settings.set(true);
    expect(seen).toEqual([false, true, false]);
  });
});
