import './base.css';
import './experiments.css';
import './charts.css';
import './artifacts.css';
import './autolog.css';
import './deploy.css';
import './cells.css';
import './collab.css';
