<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- routes: the legs layer coloured by p_death, the probability of death per traversal (posterior mean).
     One feature per direction: each line is drawn 0.7 mm to one side of its direction of travel, so the northbound
     and southbound edges of a two-way leg show side by side. Riskier legs are drawn on top. Legs without an
     estimate (p_death null) are grey and dashed. Shipped with routes (geodata/legs_risk.qml); docs/COLUMNS.md. -->
<qgis version="3.34.0-Prizren" styleCategories="Symbology">
  <renderer-v2 type="graduatedSymbol" attr='coalesce("p_death", -1)' graduatedMethod="GraduatedColor" symbollevels="0" enableorderby="1" forceraster="0" referencescale="-1">
    <ranges>
      <range lower="-1.000000" upper="-0.500000" symbol="0" label="no estimate" render="true"/>
      <range lower="0.000000" upper="0.000100" symbol="1" label="under 1 in 10 000" render="true"/>
      <range lower="0.000100" upper="0.000500" symbol="2" label="1 to 5 in 10 000" render="true"/>
      <range lower="0.000500" upper="0.001000" symbol="3" label="5 to 10 in 10 000" render="true"/>
      <range lower="0.001000" upper="0.005000" symbol="4" label="1 to 5 in 1 000" render="true"/>
      <range lower="0.005000" upper="0.010000" symbol="5" label="5 to 10 in 1 000" render="true"/>
      <range lower="0.010000" upper="1.000000" symbol="6" label="1 in 100 or more" render="true"/>
    </ranges>
    <symbols>
      <symbol type="line" name="0" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round"/>
            <Option name="joinstyle" type="QString" value="round"/>
            <Option name="line_color" type="QString" value="160,160,160,255"/>
            <Option name="line_style" type="QString" value="dash"/>
            <Option name="line_width" type="QString" value="0.5"/>
            <Option name="line_width_unit" type="QString" value="MM"/>
            <Option name="offset" type="QString" value="0.7"/>
            <Option name="offset_unit" type="QString" value="MM"/>
          </Option>
          <prop k="capstyle" v="round"/>
          <prop k="joinstyle" v="round"/>
          <prop k="line_color" v="160,160,160,255"/>
          <prop k="line_style" v="dash"/>
          <prop k="line_width" v="0.5"/>
          <prop k="line_width_unit" v="MM"/>
          <prop k="offset" v="0.7"/>
          <prop k="offset_unit" v="MM"/>
        </layer>
      </symbol>
      <symbol type="line" name="1" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round"/>
            <Option name="joinstyle" type="QString" value="round"/>
            <Option name="line_color" type="QString" value="255,255,178,255"/>
            <Option name="line_style" type="QString" value="solid"/>
            <Option name="line_width" type="QString" value="0.9"/>
            <Option name="line_width_unit" type="QString" value="MM"/>
            <Option name="offset" type="QString" value="0.7"/>
            <Option name="offset_unit" type="QString" value="MM"/>
          </Option>
          <prop k="capstyle" v="round"/>
          <prop k="joinstyle" v="round"/>
          <prop k="line_color" v="255,255,178,255"/>
          <prop k="line_style" v="solid"/>
          <prop k="line_width" v="0.9"/>
          <prop k="line_width_unit" v="MM"/>
          <prop k="offset" v="0.7"/>
          <prop k="offset_unit" v="MM"/>
        </layer>
      </symbol>
      <symbol type="line" name="2" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round"/>
            <Option name="joinstyle" type="QString" value="round"/>
            <Option name="line_color" type="QString" value="254,217,118,255"/>
            <Option name="line_style" type="QString" value="solid"/>
            <Option name="line_width" type="QString" value="0.9"/>
            <Option name="line_width_unit" type="QString" value="MM"/>
            <Option name="offset" type="QString" value="0.7"/>
            <Option name="offset_unit" type="QString" value="MM"/>
          </Option>
          <prop k="capstyle" v="round"/>
          <prop k="joinstyle" v="round"/>
          <prop k="line_color" v="254,217,118,255"/>
          <prop k="line_style" v="solid"/>
          <prop k="line_width" v="0.9"/>
          <prop k="line_width_unit" v="MM"/>
          <prop k="offset" v="0.7"/>
          <prop k="offset_unit" v="MM"/>
        </layer>
      </symbol>
      <symbol type="line" name="3" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round"/>
            <Option name="joinstyle" type="QString" value="round"/>
            <Option name="line_color" type="QString" value="254,178,76,255"/>
            <Option name="line_style" type="QString" value="solid"/>
            <Option name="line_width" type="QString" value="0.9"/>
            <Option name="line_width_unit" type="QString" value="MM"/>
            <Option name="offset" type="QString" value="0.7"/>
            <Option name="offset_unit" type="QString" value="MM"/>
          </Option>
          <prop k="capstyle" v="round"/>
          <prop k="joinstyle" v="round"/>
          <prop k="line_color" v="254,178,76,255"/>
          <prop k="line_style" v="solid"/>
          <prop k="line_width" v="0.9"/>
          <prop k="line_width_unit" v="MM"/>
          <prop k="offset" v="0.7"/>
          <prop k="offset_unit" v="MM"/>
        </layer>
      </symbol>
      <symbol type="line" name="4" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round"/>
            <Option name="joinstyle" type="QString" value="round"/>
            <Option name="line_color" type="QString" value="253,141,60,255"/>
            <Option name="line_style" type="QString" value="solid"/>
            <Option name="line_width" type="QString" value="0.9"/>
            <Option name="line_width_unit" type="QString" value="MM"/>
            <Option name="offset" type="QString" value="0.7"/>
            <Option name="offset_unit" type="QString" value="MM"/>
          </Option>
          <prop k="capstyle" v="round"/>
          <prop k="joinstyle" v="round"/>
          <prop k="line_color" v="253,141,60,255"/>
          <prop k="line_style" v="solid"/>
          <prop k="line_width" v="0.9"/>
          <prop k="line_width_unit" v="MM"/>
          <prop k="offset" v="0.7"/>
          <prop k="offset_unit" v="MM"/>
        </layer>
      </symbol>
      <symbol type="line" name="5" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round"/>
            <Option name="joinstyle" type="QString" value="round"/>
            <Option name="line_color" type="QString" value="240,59,32,255"/>
            <Option name="line_style" type="QString" value="solid"/>
            <Option name="line_width" type="QString" value="0.9"/>
            <Option name="line_width_unit" type="QString" value="MM"/>
            <Option name="offset" type="QString" value="0.7"/>
            <Option name="offset_unit" type="QString" value="MM"/>
          </Option>
          <prop k="capstyle" v="round"/>
          <prop k="joinstyle" v="round"/>
          <prop k="line_color" v="240,59,32,255"/>
          <prop k="line_style" v="solid"/>
          <prop k="line_width" v="0.9"/>
          <prop k="line_width_unit" v="MM"/>
          <prop k="offset" v="0.7"/>
          <prop k="offset_unit" v="MM"/>
        </layer>
      </symbol>
      <symbol type="line" name="6" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="capstyle" type="QString" value="round"/>
            <Option name="joinstyle" type="QString" value="round"/>
            <Option name="line_color" type="QString" value="189,0,38,255"/>
            <Option name="line_style" type="QString" value="solid"/>
            <Option name="line_width" type="QString" value="0.9"/>
            <Option name="line_width_unit" type="QString" value="MM"/>
            <Option name="offset" type="QString" value="0.7"/>
            <Option name="offset_unit" type="QString" value="MM"/>
          </Option>
          <prop k="capstyle" v="round"/>
          <prop k="joinstyle" v="round"/>
          <prop k="line_color" v="189,0,38,255"/>
          <prop k="line_style" v="solid"/>
          <prop k="line_width" v="0.9"/>
          <prop k="line_width_unit" v="MM"/>
          <prop k="offset" v="0.7"/>
          <prop k="offset_unit" v="MM"/>
        </layer>
      </symbol>
    </symbols>
    <classificationMethod id="Fixed"/>
    <orderby>
      <orderByClause asc="1" nullsFirst="1">coalesce(&quot;p_death&quot;, -1)</orderByClause>
    </orderby>
  </renderer-v2>
  <previewExpression>"leg" || ' (' || "direction" || ')'</previewExpression>
  <layerGeometryType>1</layerGeometryType>
</qgis>
