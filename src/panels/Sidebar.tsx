import { ReactWidget } from '@jupyterlab/apputils';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

/**
 * The classes of the frame shared by the left-sidebar panels (style/base.css).
 */
export namespace SidebarClasses {
  export const sidebar = 'jp-mlp-Sidebar';
  export const header = 'jp-mlp-Sidebar-header';
  export const title = 'jp-mlp-Sidebar-title';
  export const section = 'jp-mlp-Sidebar-section';
  export const sectionTitle = 'jp-mlp-Sidebar-sectionTitle';
}

/**
 * A panel of the left sidebar (Experiments, Deploy): its id, classes, tab
 * icon and caption, and `onShown` each time it becomes visible.
 */
export abstract class Sidebar extends ReactWidget {
  constructor(options: Sidebar.IOptions) {
    super();
    this.trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
    this.id = options.id;
    this.addClass(SidebarClasses.sidebar);
    this.addClass(options.className);
    this.title.icon = options.icon;
    this.title.caption = options.caption(this.trans);
  }

  protected readonly trans: TranslationBundle;

  /** The panel became visible (shown, or attached while visible). */
  protected onShown(): void {
    // Nothing by default.
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this.onShown();
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.onShown();
  }
}

export namespace Sidebar {
  export interface IOptions {
    /** The widget id (also its layout-restorer key). */
    id: string;
    /** The panel's own class, next to `jp-mlp-Sidebar`. */
    className: string;
    icon: LabIcon;
    /** The tab's caption, in the panel's translation bundle. */
    caption: (trans: TranslationBundle) => string;
    trans?: TranslationBundle;
  }
}

/**
 * The sidebar's header: its title, then its icon buttons.
 */
export function SidebarHeader(props: {
  title: string;
  children?: React.ReactNode;
}): JSX.Element {
  return (
    <div className={SidebarClasses.header}>
      <h2 className={SidebarClasses.title}>{props.title}</h2>
      {props.children}
    </div>
  );
}
