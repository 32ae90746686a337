import java.io.FileReader;
import java.io.Reader;
import java.io.StreamTokenizer;
import java.io.StringReader;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Reads a Kafka client properties file as a Kafka client does: java.util.Properties, then the
 * sasl.jaas.config value through a StreamTokenizer with the syntax table of Kafka's JaasConfig
 * (org.apache.kafka.common.security.JaasConfig: comments, '-', '_' and '$' as word characters,
 * quoted values). Prints the login module, its flag, each option and the other properties, one a
 * line, so a test can compare what the client would log in with to what the Secret held.
 * Run as a single-file source program: java JaasCheck.java <file>.
 */
public class JaasCheck {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    try (Reader r = new FileReader(args[0])) {
      props.load(r);
    }
    String jaas = props.getProperty("sasl.jaas.config");
    if (jaas != null) {
      StreamTokenizer t = new StreamTokenizer(new StringReader(jaas));
      t.slashSlashComments(true);
      t.slashStarComments(true);
      t.wordChars('-', '-');
      t.wordChars('_', '_');
      t.wordChars('$', '$');
      t.nextToken();
      System.out.println("module " + t.sval);
      t.nextToken();
      System.out.println("flag " + t.sval);
      while (t.nextToken() != StreamTokenizer.TT_EOF && t.ttype != ';') {
        String key = t.sval;
        if (t.nextToken() != '=' || t.nextToken() == StreamTokenizer.TT_EOF || t.sval == null) {
          throw new IllegalArgumentException("Value not specified for key '" + key + "' in JAAS config");
        }
        System.out.println("option " + key + "=" + t.sval);
      }
      if (t.ttype != ';') throw new IllegalArgumentException("JAAS config entry not terminated by semi-colon");
    }
    for (String k : new TreeSet<>(props.stringPropertyNames())) {
      if (!k.equals("sasl.jaas.config")) System.out.println("property " + k + "=" + props.getProperty(k));
    }
  }
}
